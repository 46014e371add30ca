import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { regionalDay } from '../gateway/partners/agreement-check.ts';
import { adminApi, adminClients } from './support/admin-api.ts';
import { Browserless, consolePeople, startConsoleHarness, type ConsoleHarness } from './support/console.ts';

const zone = 'Asia/Jakarta';
const day = (offset: number) => regionalDay(new Date(Date.now() + offset * 86_400_000), zone);

/**
 * The console's first page (issue 25 item 4): each warning appears once its cause exists, in
 * Indonesian words with Indonesian numbers, and the page says all is well when nothing is wrong.
 */
describe('the console\'s warnings', () => {
  let h: ConsoleHarness;
  const admin = adminApi(() => h);
  const home = async () => {
    const browser = new Browserless();
    const { res } = await browser.signIn(h.consoleUrl, 'ops', consolePeople.find((person) => person.username === 'ops')!.password);
    return res.text();
  };
  beforeAll(async () => {
    // A rate small enough for a test to pass it: a burst of two, then one call each ten seconds.
    h = await startConsoleHarness({ clients: adminClients, config: { limits: { defaultRate: { rps: 0.1, burst: 2 } } } });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('has none on a quiet gateway', async () => {
    expect(await home()).toContain('Tidak ada peringatan. Semua berjalan normal.');
  });

  it('warns of an agreement ending soon, a partner near its daily quota, an application refused by its rate limit, and a parked delivery', async () => {
    expect((await admin('admin-console', 'PUT', '/admin/v1/partners/bank-peringatan', { body: { legalName: 'PT Bank Peringatan', type: 'bank', contact: {} } })).status).toBe(200);
    expect((await admin('admin-console', 'PUT', '/admin/v1/agreements/PKS-PERINGATAN', { body: { title: 'Direktori', partnerId: 'bank-peringatan', contracts: ['sandbox-direktori'], maxClassification: 'publik', validFrom: day(-30), validUntil: day(10), dailyQuota: 1000 } })).status).toBe(200);
    await h.gateway.registry.refresh();
    // 900 of 1000 calls counted today, as the partner's calls through the external listener would be.
    for (let i = 0; i < 900; i++) await h.gateway.limits.consumeDaily('quota:PKS-PERINGATAN', 1000, zone);

    const reader = await h.token('app-reader');
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${h.url}/sandbox/v1/perangkat-daerah/2.16`, { headers: { authorization: `Bearer ${reader}` } });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 429, 429]);
    await h.flushTraffic();

    await h.gateway.store.db.insertInto('deliveries').values({ id: 'parkir-1', owner: 'app-writer', contract: 'sandbox-direktori', operation: 'registerLetter', request: '{}', order_key: null, state: 'failed', max_attempts: 3 }).execute();

    const page = await home();
    expect(page).toContain('PKS PKS-PERINGATAN dengan PT Bank Peringatan berakhir 10 hari lagi.');
    expect(page).toContain('Mitra bank-peringatan (PKS PKS-PERINGATAN) telah memakai 900 dari kuota harian 1.000 (90%).');
    expect(page).toContain('Aplikasi app-reader ditolak batas laju 2 kali dalam satu jam terakhir.');
    expect(page).toContain('1 pengiriman berhenti (parked) dan menunggu tindakan operator.');
    expect(page).not.toContain('Tidak ada peringatan');
  });
});
