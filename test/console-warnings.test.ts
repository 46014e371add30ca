import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPki } from './support/pki.ts';
import { until } from './support/until.ts';
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

  it('warns of an agreement and a certificate ending soon, a partner near its daily quota, an application refused by its rate limit, and a parked delivery', async () => {
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

    // A certificate of the partner's that ends in five and a half days: five whole days left.
    const pki = await startPki();
    const client = await pki.client('bank-peringatan', { notAfter: new Date(Date.now() + 5.5 * 86_400_000) });
    expect((await admin('admin-console', 'POST', '/admin/v1/partners/bank-peringatan/certificates', { body: client.cert, headers: { 'content-type': 'text/plain' } })).status).toBe(201);
    await h.gateway.registry.refresh();

    await h.gateway.store.db.insertInto('deliveries').values({ id: 'parkir-1', owner: 'app-writer', contract: 'sandbox-direktori', operation: 'registerLetter', request: '{}', order_key: null, state: 'failed', max_attempts: 3 }).execute();

    const page = await home();
    expect(page).toContain('PKS PKS-PERINGATAN dengan PT Bank Peringatan berakhir 10 hari lagi.');
    expect(page).toContain('Mitra bank-peringatan (PKS PKS-PERINGATAN) telah memakai 900 dari kuota harian 1.000 (90%).');
    expect(page).toContain('Aplikasi app-reader ditolak batas laju 2 kali dalam satu jam terakhir.');
    expect(page).toContain('1 pengiriman berhenti (parked) dan menunggu tindakan operator.');
    expect(page).toMatch(new RegExp(`<li class="danger">Sertifikat bank-peringatan \\(serial ${client.serial}\\) berakhir 5 hari lagi.</li>`, 'i'));
    expect(page).not.toContain('Tidak ada peringatan');
  });
});

describe('the console\'s warnings: an upstream cut off', () => {
  let h: ConsoleHarness;
  beforeAll(async () => {
    // Nothing listens on port 9: the health probe fails at once and opens the circuit.
    h = await startConsoleHarness({ upstreams: { sandbox: { url: 'http://127.0.0.1:9', credentials: {}, healthCheck: { path: '/health', intervalSeconds: 1, unhealthyThreshold: 1 } } } });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('warns of the open breaker in Indonesian', async () => {
    const browser = new Browserless();
    await browser.signIn(h.consoleUrl, 'ops', consolePeople.find((person) => person.username === 'ops')!.password);
    const page = await until(async () => (await browser.fetch(`${h.consoleUrl}/`)).text(), (text) => text.includes('Pemutus sirkuit'), { timeoutMs: 10_000, what: 'the breaker warning' });
    expect(page).toContain('Pemutus sirkuit layanan hulu sandbox terbuka: permintaan ke sana ditolak.');
  });
});
