// The SP4N-LAPOR! integration through the gateway: a real SSO, the lapor contract, the adapter and
// the LAPOR! simulator with a pinned clock. Tests run in order and share the simulator. A complaint
// is delivered asynchronously (store-and-forward): 202 at once, the receipt on the delivery's poll.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Complaint, ComplaintState } from '../../adapters/lapor/canonical.ts';
import sandbox from '../../adapters/lapor/sandbox.ts';
import { startLaporSimulator, type LaporSimulator } from '../../adapters/lapor/simulator.ts';
import { workflowHours } from '../../adapters/lapor/simulator-workflow.ts';
import type { ProblemDocument } from '../../gateway/errors/problem.ts';
import { createSchemaCompiler } from '../../gateway/registry/schema-compiler.ts';
import type { DeliveryAccepted } from '../support/delivery-answers.ts';
import { startIntegration, type Integration } from '../support/integration.ts';

const contracts = fileURLToPath(new URL('../../contracts/lapor/', import.meta.url));
const fixture = <T>(name: string) => JSON.parse(readFileSync(new URL(`../../adapters/lapor/fixtures/${name}`, import.meta.url), 'utf8')) as T;
const client = 'inspektorat-pengaduan';

let lapor: Integration<LaporSimulator>;
/** Simulators started again after one was taken down (closed with the integration). */
const restartedSims: LaporSimulator[] = [];
/** Everything that must never reach a log line, collected as the tests send it. */
const neverLogged = new Set<string>();

beforeAll(async () => {
  lapor = await startIntegration(sandbox, ({ host, port, credentials }) => startLaporSimulator({ host, port, token: credentials.token! }), {
    contractDirs: [contracts],
    // Short retry delays: complaints wait for LAPOR! in milliseconds here, not minutes.
    config: { log: { exchanges: 'all', level: 'debug' }, delivery: { pollMs: 50, baseDelayMs: 40, maxDelayMs: 200 } },
  });
  lapor.sim.setNow('2026-03-02T01:00:00Z');
  neverLogged.add(lapor.credentials.token!);
});
afterAll(async () => {
  await lapor?.close();
  for (const sim of restartedSims) await sim.close();
});

async function gateway<T = unknown>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T; text: string; location: string | null }> {
  const res = await fetch(`${lapor.harness.url}/lapor/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${await lapor.token(client)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, text, location: res.headers.get('location') };
}

/** An operation of the gateway's OpenAPI document, as far as the example walk reads it. */
interface Operation {
  parameters?: { name: string; example: string }[];
  requestBody?: { content: { 'application/json': Media } };
  responses: Record<string, { content: { 'application/json': Media }; 'x-delivered-response'?: { content: { 'application/json': Media } } }>;
}
interface Media { schema: Record<string, unknown>; example?: unknown }

/** The delivery document of `GET /deliveries/{id}` (status, attempts, lastError, the upstream's response). */
type DeliveryDocument = { status: string; attempts: number; lastError?: string; response?: { status: number; body: unknown } };

/** A 202's `Location` is relative to the URL the complaint was sent to (every submission here is `POST /lapor/v1/laporan`). */
async function poll(location: string): Promise<{ document: DeliveryDocument; text: string }> {
  const res = await fetch(new URL(location, `${lapor.harness.url}/lapor/v1/laporan`), { headers: { authorization: `Bearer ${await lapor.token(client)}` } });
  const text = await res.text();
  return { document: JSON.parse(text) as DeliveryDocument, text };
}

/** Polls a delivery until `done` holds (by default: it ended). */
async function follow(location: string, done: (d: DeliveryDocument) => boolean = (d) => ['delivered', 'failed', 'cancelled'].includes(d.status), timeoutMs = 8000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const polled = await poll(location);
    if (done(polled.document) || Date.now() > deadline) return polled;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Submits a complaint (remembering its identity and text as values the logs must not hold): it is
 * accepted with 202 and a Location, then followed until its delivery ended.
 */
async function submit(complaint: Complaint) {
  for (const value of [complaint.title, complaint.body, ...Object.values(complaint.reporter ?? {})]) neverLogged.add(value);
  const accepted = await gateway<DeliveryAccepted>('POST', '/laporan', complaint);
  expect(accepted.status, accepted.text).toBe(202);
  expect(accepted.body).toMatchObject({ deliveryId: expect.any(String), status: 'pending', location: `deliveries/${accepted.body.deliveryId}` });
  expect(accepted.location).toBe(accepted.body.location);
  const ended = await follow(accepted.body.location);
  return { accepted: accepted.body, delivery: ended.document, text: ended.text };
}

/** Submits a complaint that LAPOR! must take, and gives back its receipt (the tracking id) from the poll. */
async function file(complaint: Complaint): Promise<{ trackingId: string; transactionId: string; status: string }> {
  const { delivery } = await submit(complaint);
  expect(delivery, JSON.stringify(delivery)).toMatchObject({ status: 'delivered', response: { status: 201 } });
  return delivery.response!.body as { trackingId: string; transactionId: string; status: string };
}

const named: Complaint = {
  title: 'Drainase tersumbat di Perumahan Griya Asri',
  body: 'Saluran drainase di Blok C tersumbat sampah sejak awal bulan; setiap hujan air masuk ke rumah warga & jalan tergenang setinggi 40 cm.',
  category: '12',
  anonymous: false,
  confidential: false,
  reporter: { firstName: 'Wulan', lastName: 'Kusumaningrum', email: 'wulan.kusuma@example.id', phone: '085612345678' },
  incident: { date: '2026-02-27', location: 'Perumahan Griya Asri Blok C' },
};

describe('SP4N-LAPOR! through the gateway', () => {
  it('answers every operation\'s documented example with a 2xx in the documented shape', async () => {
    const res = await fetch(`${lapor.harness.url}/openapi.json`, { headers: { authorization: `Bearer ${await lapor.token(client)}` } });
    const doc = (await res.json()) as { paths: Record<string, Record<string, Operation>> };
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method: method.toUpperCase() as 'GET' | 'POST', op })))
      .filter((o) => o.path.startsWith('/lapor/'));
    expect(operations.map((o) => `${o.method} ${o.path}`).sort()).toEqual(['GET /lapor/v1/kategori', 'GET /lapor/v1/laporan/{trackingId}', 'POST /lapor/v1/laporan']);
    expect(doc.paths['/deliveries/{id}'], 'the poll endpoint of the asynchronous submission').toBeDefined();
    // The submission first: the status example names the tracking id the simulator gives the first complaint.
    operations.sort((a, b) => (a.method === 'POST' ? -1 : 0) - (b.method === 'POST' ? -1 : 0));
    const compiler = createSchemaCompiler();
    for (const { path, method, op } of operations) {
      let concrete = path.replace(/^\/lapor\/v1/, '');
      for (const param of op.parameters ?? []) concrete = concrete.replace(`{${param.name}}`, param.example);
      const example = op.requestBody?.content['application/json'].example;
      // The submission is asynchronous: documented as a 202, its answer comes on the poll, in response.body.
      const answer = example === undefined ? await gateway(method, concrete) : { status: 201, body: await file(example as Complaint) };
      expect(answer.status, `${method} ${path}`).toBeLessThan(300);
      const response = (op.responses['202'] ? op.responses['202']['x-delivered-response']! : op.responses['200']!).content['application/json'];
      expect(response.example, `${method} ${path} documents its answer`).toBeDefined();
      const validate = compiler.compile(response.schema);
      expect(validate(answer.body), `${method} ${path}: ${compiler.errorsText(validate)}`).toBe(true);
    }
    expect(lapor.sim.complaints.get('4512001')?.title).toBe('Jalan berlubang di Jl. Merdeka');
  });

  it('refuses a request that breaks the contract with 422, before anything is stored or LAPOR! is called', async () => {
    const before = lapor.sim.total();
    const deliveries = () => lapor.harness.gateway.store.db.selectFrom('deliveries').select('id').execute();
    const stored = (await deliveries()).length;
    const { reporter: _omitted, ...withoutReporter } = named;
    const invalid: unknown[] = [
      withoutReporter,
      { ...named, category: 'jalan' },
      { ...named, body: 'Teks dengan karakter kontrol \u0007 yang tidak bisa dibawa XML.' },
      { ...named, reporter: { firstName: 'Tanpa Kontak' } },
      { ...named, secret: 'extra' },
    ];
    for (const body of invalid) {
      const res = await gateway<ProblemDocument>('POST', '/laporan', body);
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('CONTRACT_VALIDATION_FAILED');
    }
    const badId = await gateway('GET', '/laporan/bukan-angka');
    expect(badId.status).toBe(422);
    expect(lapor.sim.total()).toBe(before);
    expect(await deliveries()).toHaveLength(stored);
  });

  it('keeps an anonymous complaint\'s identity at the gateway, even when the application sent one', async () => {
    const complaint = fixture<Complaint>('submit-anonymous.canonical-request.json');
    const receipt = await file(complaint);
    const xml = lapor.sim.lastAddStream()!;
    expect(xml).toContain('<pelapor><email/><telpon/><namadepan/><namabelakang/></pelapor><laporan rahasia="1" anonim="1">');
    for (const value of Object.values(complaint.reporter!)) expect(xml).not.toContain(value);
    expect(lapor.sim.complaints.get(receipt.trackingId)).toMatchObject({ anonymous: true, confidential: true, reporter: null });
  });

  it('carries <, &, quotes and non-Latin text to LAPOR! escaped on the wire and byte-exact in its store', async () => {
    const complaint = fixture<Complaint>('submit-complaint.canonical-request.json');
    const receipt = await file(complaint);
    expect(receipt).toMatchObject({ status: 'SUBMITTED', transactionId: expect.stringMatching(/^TRX/) });
    const xml = lapor.sim.lastAddStream()!;
    expect(xml).toContain('kedalaman &lt; 30 cm');
    expect(xml).toContain(`token="${lapor.credentials.token}"`);
    const stored = lapor.sim.complaints.get(receipt.trackingId)!;
    expect(Buffer.from(stored.isi).equals(Buffer.from(complaint.body))).toBe(true);
    expect(stored).toMatchObject({ title: complaint.title, confidential: true, anonymous: false, incident: complaint.incident, reporter: { namadepan: 'Dwi', namabelakang: "O'Neil-Saputra", telpon: '081234567890' } });
  });

  it('follows a complaint through the workflow on the test clock, with follow-ups', async () => {
    lapor.sim.setNow('2026-03-02T01:00:00Z');
    const receipt = await file(named);
    const seen: [string, string, number, string][] = [];
    const look = async () => {
      const res = await gateway<ComplaintState>('GET', `/laporan/${receipt.trackingId}`);
      expect(res.status).toBe(200);
      seen.push([res.body.status, res.body.statusLabel, res.body.followUps.length, res.body.updatedAt]);
      return res.body;
    };
    await look();
    lapor.sim.advance(workflowHours.verify);
    await look();
    lapor.sim.advance(workflowHours.dispose - workflowHours.verify);
    const disposed = await look();
    lapor.sim.advance(workflowHours.respond - workflowHours.dispose);
    const responded = await look();
    lapor.sim.advance(workflowHours.close - workflowHours.respond);
    await look();
    lapor.sim.advance(workflowHours.archive - workflowHours.close);
    await look();
    expect(seen).toEqual([
      ['SUBMITTED', 'Belum terverifikasi', 0, '2026-03-02T08:00:00+07:00'],
      ['VERIFIED', 'Terverifikasi', 1, '2026-03-03T08:00:00+07:00'],
      ['DISPOSED', 'Didisposisikan ke instansi berwenang', 2, '2026-03-05T08:00:00+07:00'],
      ['RESPONDED', 'Ditindaklanjuti', 3, '2026-03-10T08:00:00+07:00'],
      ['CLOSED', 'Selesai', 4, '2026-03-20T08:00:00+07:00'],
      ['ARCHIVED', 'Diarsipkan', 4, '2026-04-19T08:00:00+07:00'],
    ]);
    expect(disposed.followUps[1]).toEqual({ at: '2026-03-05T08:00:00+07:00', from: 'Admin Pemerintah Kabupaten', message: 'Laporan didisposisikan kepada Dinas Pekerjaan Umum & Penataan Ruang.' });
    expect(responded.followUps[2]).toMatchObject({ from: 'Dinas Pekerjaan Umum & Penataan Ruang', message: expect.stringContaining('telah menindaklanjuti') });
  });

  it('defers an incomplete complaint and marks one outside the region\'s authority', async () => {
    lapor.sim.setNow('2026-04-01T00:00:00Z');
    const short = await file({ ...named, body: 'Air masuk rumah tiap hujan, tolong.' });
    const national = await file({ ...named, category: '91', title: 'Latihan militer di dekat sekolah' });
    lapor.sim.advance(workflowHours.verify);
    const deferred = await gateway('GET', `/laporan/${short.trackingId}`);
    expect(deferred.body).toMatchObject({ status: 'DEFERRED', statusLabel: 'Ditunda (laporan kurang lengkap)', followUps: [{ from: 'Admin LAPOR!', message: expect.stringContaining('kurang lengkap') }] });
    const notAuthorized = await gateway('GET', `/laporan/${national.trackingId}`);
    expect(notAuthorized.body).toMatchObject({ status: 'NOT_AUTHORIZED', statusLabel: 'Bukan kewenangan', followUps: [{ message: expect.stringContaining('Kementerian Pertahanan') }] });
    lapor.sim.advance(workflowHours.archive);
    expect((await gateway<ComplaintState>('GET', `/laporan/${short.trackingId}`)).body.status).toBe('ARCHIVED');
  });

  it('an unknown tracking id is 404 UPSTREAM_NOT_FOUND with LAPOR!\'s own code', async () => {
    const res = await gateway('GET', '/laporan/999999');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'UPSTREAM_NOT_FOUND', upstream: { system: 'SP4N-LAPOR!', code: 'TRACKINGID_TIDAK_DITEMUKAN' } });
  });

  it('LAPOR! refusing a complaint parks its delivery as failed with 422 UPSTREAM_REJECTED, sent once; the number it quotes back is masked', async () => {
    const before = lapor.sim.hits.get('POST /api/stream/addstream') ?? 0;
    const topic = await submit({ ...named, category: '999' });
    expect(topic.delivery).toMatchObject({ status: 'failed', attempts: 1, lastError: expect.stringContaining('UPSTREAM_REJECTED'), response: { status: 422 } });
    expect(topic.delivery.response!.body).toMatchObject({ code: 'UPSTREAM_REJECTED', upstream: { code: 'TOPIK_TIDAK_DIKENAL', message: 'Topik 999 tidak dikenal' } });
    const blank = await submit({ ...named, body: ' '.repeat(30) });
    expect(blank.delivery.response!.body).toMatchObject({ code: 'UPSTREAM_REJECTED', upstream: { code: 'ISI_KOSONG' } });
    const foreign = await submit({ ...named, reporter: { ...named.reporter!, phone: '+442079460958' } });
    expect(foreign.delivery).toMatchObject({ status: 'failed', response: { status: 422 } });
    expect(foreign.delivery.response!.body).toMatchObject({ code: 'UPSTREAM_REJECTED', upstream: { code: 'DATA_TIDAK_VALID', message: 'Nomor telpon "[disamarkan]" tidak valid' } });
    expect(foreign.text).not.toContain('442079460958');
    // A refusal is LAPOR!'s final word: parked, never sent again.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(lapor.sim.hits.get('POST /api/stream/addstream')).toBe(before + 3);
  });

  it('a token LAPOR! does not know is 502 UPSTREAM_AUTH_FAILED (a complaint waits for the fixed token), and a rotated secret file is used from the next call', async () => {
    const tokenFile = join(lapor.secretsDir, 'token');
    const good = readFileSync(tokenFile, 'utf8');
    const wrong = '{0BAD0BAD-0000-4000-8000-00000000DEAD}';
    neverLogged.add(wrong);
    let waiting: string | undefined;
    writeFileSync(tokenFile, wrong);
    try {
      for (const [method, path] of [['GET', '/kategori'], ['GET', '/laporan/4512001']] as const) {
        const res = await gateway<ProblemDocument>(method, path);
        expect(res.status).toBe(502);
        expect(res.body.code).toBe('UPSTREAM_AUTH_FAILED');
        expect(res.text).not.toContain(wrong);
      }
      // The region's own credential is wrong: the complaint is kept and retried until the Dinas fixes it.
      for (const value of [named.title, named.body, ...Object.values(named.reporter!)]) neverLogged.add(value);
      const accepted = await gateway<DeliveryAccepted>('POST', '/laporan', named);
      expect(accepted.status).toBe(202);
      waiting = accepted.body.location;
      const refused = await follow(waiting, (d) => d.attempts >= 2);
      // Kept for another attempt: waiting for it, or (backoff is short here) already in it.
      expect(refused.document).toMatchObject({ status: expect.stringMatching(/^(pending|delivering)$/), lastError: expect.stringContaining('UPSTREAM_AUTH_FAILED') });
      expect(refused.text).not.toContain(wrong);
    } finally {
      writeFileSync(tokenFile, good);
    }
    expect((await gateway('GET', '/kategori')).status).toBe(200);
    const delivered = await follow(waiting, (d) => d.status === 'delivered');
    expect(delivered.document.response).toMatchObject({ status: 201, body: { trackingId: expect.any(String) } });
  });

  it('LAPOR! faults (HTTP 500, garbage, an HTML page) leave the outcome unknown: the complaint is parked for the Dinas, sent once', async () => {
    const cases = [['http-500', 'UPSTREAM_UNAVAILABLE'], ['garbage', 'UPSTREAM_INVALID_RESPONSE'], ['wrong-content-type', 'UPSTREAM_INVALID_RESPONSE']] as const;
    for (const [fault, code] of cases) {
      const before = lapor.sim.hits.get('POST /api/stream/addstream') ?? 0;
      lapor.sim.failNext(fault);
      const { delivery } = await submit(named);
      expect(delivery.status, fault).toBe('failed');
      expect(delivery.lastError, fault).toContain(code);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(lapor.sim.hits.get('POST /api/stream/addstream'), 'a complaint is never sent twice').toBe(before + 1);
    }
    expect((await gateway('GET', '/kategori')).status).toBe(200);
  });

  it('accepts a complaint while LAPOR! is down (202), delivers it once when LAPOR! is back, with its tracking id on the poll', async () => {
    const { port } = lapor.sim;
    await lapor.sim.close();
    for (const value of [named.title, named.body, ...Object.values(named.reporter!)]) neverLogged.add(value);
    const accepted = await gateway<DeliveryAccepted>('POST', '/laporan', { ...named, title: 'Jembatan gantung putus' });
    expect(accepted.status).toBe(202);
    const waiting = await follow(accepted.body.location, (d) => d.attempts >= 2);
    expect(waiting.document).toMatchObject({ status: 'pending', lastError: expect.stringContaining('UPSTREAM_UNAVAILABLE') });
    expect(waiting.document.response).toBeUndefined();
    // LAPOR! comes back (same address and token; its store starts empty).
    const back = await startLaporSimulator({ host: '127.0.0.1', port, token: lapor.credentials.token! });
    restartedSims.push(back);
    lapor.sim = back;
    back.setNow('2026-04-01T00:00:00Z');
    const delivered = await follow(accepted.body.location, (d) => d.status === 'delivered');
    expect(delivered.document).toMatchObject({ status: 'delivered', response: { status: 201, body: { trackingId: expect.stringMatching(/^\d+$/), status: 'SUBMITTED' } } });
    const { trackingId } = delivered.document.response!.body as { trackingId: string };
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(back.hits.get('POST /api/stream/addstream')).toBe(1);
    expect([...back.complaints.values()].map((c) => [c.trackingId, c.title])).toEqual([[trackingId, 'Jembatan gantung putus']]);
    expect((await gateway('GET', `/laporan/${trackingId}`)).body).toMatchObject({ trackingId, status: 'SUBMITTED' });
  });

  it('keeps the identity, the complaint text and the token out of every log line', async () => {
    await lapor.harness.flushTraffic();
    const logs = lapor.harness.logs.text;
    expect(logs).toContain('"route":"lapor:submitComplaint"');
    expect(logs).toContain('delivery will be retried');
    expect(logs).toContain('SP4N-LAPOR! refused the region token');
    expect(neverLogged.size).toBeGreaterThan(20);
    for (const value of neverLogged) expect(logs, value).not.toContain(value);
    for (const fragment of ['ꦗꦭꦤ꧀ꦫꦸꦱꦏ꧀', 'Kusumaningrum', '085612345678', 'pelapor.rahasia@example.id']) expect(logs).not.toContain(fragment);
  });
});
