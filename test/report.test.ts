import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { regionalDay } from '../gateway/partners/agreement-check.ts';
import { reportCsv, reportHtml } from '../gateway/report/render.ts';
import { makeReport, reportPeriod } from '../gateway/report/spbe-report.ts';
import { adminApi, adminClients } from './support/admin-api.ts';
import { Browserless, consolePeople, startConsoleHarness, type ConsoleHarness } from './support/console.ts';

const run = promisify(execFile);
const zone = 'Asia/Jakarta';
const day = (offset: number) => regionalDay(new Date(Date.now() + offset * 86_400_000), zone);
const region = { name: 'Pemerintah Kabupaten Uji Coba', agency: 'Dinas Komunikasi dan Informatika', city: 'Ujicoba', head: { title: 'Kepala Dinas Komunikasi dan Informatika', name: 'Dr. Siti Rahmawati, S.Kom., M.T.', nip: '197812312005012001' } };

/** Splits CSV lines into fields (the report quotes only fields with commas, quotes or line breaks). */
function csvRows(text: string): string[][] {
  return text.trim().split('\r\n').map((line) => [...line.matchAll(/("([^"]|"")*"|[^,]*)(,|$)/g)].slice(0, -1).map((m) => m[1]!.replace(/^"|"$/g, '').replaceAll('""', '"')));
}

describe('the periodic SPBE report', () => {
  let h: ConsoleHarness;
  const admin = adminApi(() => h);
  beforeAll(async () => {
    h = await startConsoleHarness({ clients: adminClients, config: { region } });
    const reader = await h.token('app-reader');
    for (let i = 0; i < 5; i++) await (await fetch(`${h.url}/sandbox/v1/perangkat-daerah/2.16`, { headers: { authorization: `Bearer ${reader}` } })).arrayBuffer();
    // Two refusals of the contract's own (the reader may not write): the caller's, counted against no availability.
    for (let i = 0; i < 2; i++) await (await fetch(`${h.url}/sandbox/v1/surat`, { method: 'POST', headers: { authorization: `Bearer ${reader}`, 'content-type': 'application/json' }, body: '{}' })).arrayBuffer();
    await h.flushTraffic();
    expect((await admin('admin-console', 'PUT', '/admin/v1/partners/bank-uji', { body: { legalName: 'PT Bank Uji Coba', type: 'bank', contact: {} } })).status).toBe(200);
    expect((await admin('admin-console', 'PUT', '/admin/v1/agreements/PKS-UJI-1', { body: { title: 'Direktori', partnerId: 'bank-uji', contracts: ['sandbox-direktori'], maxClassification: 'publik', validFrom: day(-30), validUntil: day(10) } })).status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('counts the period exactly per integration and per PD application, and lists the agreement that ends within 30 days', async () => {
    const report = await makeReport(h.gateway.store, h.gateway.config, day(0), day(0));
    expect(report.integrations.find((line) => line.key === 'sandbox-direktori')).toMatchObject({ volume: 7, name: 'Direktori Perangkat Daerah (sandbox)' });
    const sandbox = report.integrations.find((line) => line.key === 'sandbox-direktori')!;
    // The two refusals are 4xx: the caller's, not the service's.
    expect(sandbox.availability).toBe(1);
    expect(sandbox.topErrors).toEqual([{ code: 'SCOPE_DENIED', count: 2 }]);
    expect(report.applications.find((line) => line.key === 'app-reader')).toMatchObject({ volume: 7, name: 'Reader' });
    expect(report.expiries).toEqual([expect.objectContaining({ kind: 'agreement', key: 'PKS-UJI-1', owner: 'PT Bank Uji Coba', ended: false })]);
    // Yesterday had none of it.
    expect((await makeReport(h.gateway.store, h.gateway.config, day(-1), day(-1))).totals.volume).toBe(0);
  });

  it('prints on A4 with the region, the period and the signature block of the head of the Dinas, and no script', async () => {
    const report = await makeReport(h.gateway.store, h.gateway.config, '2026-11-01', '2026-11-30');
    const page = reportHtml(report);
    expect(page).toContain('@page { size: A4');
    expect(page).toContain('Pemerintah Kabupaten Uji Coba');
    expect(page).toContain('Periode 1 November 2026 s.d. 30 November 2026');
    expect(page).toContain('Kepala Dinas Komunikasi dan Informatika');
    expect(page).toContain('Dr. Siti Rahmawati, S.Kom., M.T.');
    expect(page).toContain('NIP 197812312005012001');
    expect(page).toMatch(/Ujicoba, \d{1,2} \w+ \d{4}/);
    expect(page).not.toMatch(/<script|https?:\/\//i);
  });

  it('writes CSV a spreadsheet reads: one row per line, numbers plain', async () => {
    const rows = csvRows(reportCsv(await makeReport(h.gateway.store, h.gateway.config, day(0), day(0))));
    const [header, ...lines] = rows;
    expect(header).toEqual(['bagian', 'kunci', 'nama', 'volume', 'ketersediaan_persen', 'p50_ms', 'p95_ms', 'p99_ms', 'target_ketersediaan_persen', 'target_p95_ms', 'pelanggaran_jam', 'galat_teratas', 'parked', 'berakhir']);
    const sandbox = lines.find((line) => line[0] === 'integrasi' && line[1] === 'sandbox-direktori')!;
    expect(sandbox[3]).toBe('7');
    expect(sandbox[4]).toBe('100');
    expect(sandbox[11]).toBe('SCOPE_DENIED:2');
    expect(lines.find((line) => line[0] === 'pks')?.[1]).toBe('PKS-UJI-1');
  });

  it('refuses a period that is not two calendar days in order', () => {
    expect(() => reportPeriod('2026-12-31', '2026-12-01', zone)).toThrow(/before it starts/);
    expect(() => reportPeriod('2026-02-30', '2026-03-01', zone)).toThrow(/YYYY-MM-DD/);
    expect(() => reportPeriod('2025-01-01', '2026-12-31', zone)).toThrow(/at most one year/);
    const { from, to } = reportPeriod('2026-12-01', '2026-12-31', zone);
    expect([from.toISOString(), to.toISOString()]).toEqual(['2026-11-30T17:00:00.000Z', '2026-12-31T17:00:00.000Z']);
  });

  it('is made by `penghubung report` from the store the running gateway writes, and refuses bad dates with exit code 2', async () => {
    const configFile = join(h.dataDir, 'report-config.yaml');
    // The embedded store's file beside the running gateway, or the same PostgreSQL.
    writeFileSync(configFile, JSON.stringify({ dataDir: h.dataDir, store: { url: h.gateway.config.store.url }, sso: { issuer: h.sso.issuer, audience: 'urn:penghubung:test' }, region }));
    const { stdout } = await run(process.execPath, ['bin/penghubung.js', 'report', '--from', day(0), '--to', day(0), '--format', 'csv', '--config', configFile]);
    expect(csvRows(stdout).find((line) => line[1] === 'sandbox-direktori')?.[3]).toBe('7');
    const refused = await run(process.execPath, ['bin/penghubung.js', 'report', '--from', 'kemarin', '--to', day(0), '--config', configFile]).catch((error: { code: number; stderr: string }) => error);
    expect(refused).toMatchObject({ code: 2, stderr: expect.stringContaining('YYYY-MM-DD') });
  }, 30_000);

  it('is made in the console: HTML shown under a policy without scripts, CSV downloaded', async () => {
    const browser = new Browserless();
    await browser.signIn(h.consoleUrl, 'ops', consolePeople.find((person) => person.username === 'ops')!.password);
    const form = await (await browser.fetch(`${h.consoleUrl}/laporan`)).text();
    expect(form).toContain('data-testid="report-form"');
    const shown = await browser.fetch(`${h.consoleUrl}/laporan/berkas?dari=${day(0)}&sampai=${day(0)}&format=html`);
    expect(shown.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
    expect(await shown.text()).toContain('LAPORAN PEMANTAUAN LAYANAN INTEROPERABILITAS');
    const csv = await browser.fetch(`${h.consoleUrl}/laporan/berkas?dari=${day(0)}&sampai=${day(0)}&format=csv`);
    expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="laporan-spbe-${day(0)}-${day(0)}.csv"`);
    expect(csvRows(await csv.text()).find((line) => line[1] === 'sandbox-direktori')?.[3]).toBe('7');
    const bad = await browser.fetch(`${h.consoleUrl}/laporan/berkas?dari=x&sampai=${day(0)}&format=csv`);
    expect(bad.status).toBe(400);
  });
});
