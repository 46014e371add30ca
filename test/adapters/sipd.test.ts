import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sipdAdapter from '../../adapters/sipd/adapter.ts';
import sandbox from '../../adapters/sipd/sandbox.ts';
import { startSipdSim, type SipdSim } from '../../adapters/sipd/simulator.ts';
import { loadContractFile } from '../../gateway/registry/load-contracts.ts';
import { createSchemaCompiler } from '../../gateway/registry/schema-compiler.ts';
import { tempDir, trafficRows } from '../support/harness.ts';
import { startIntegration, type Integration } from '../support/integration.ts';

const bundled = fileURLToPath(new URL('../../contracts/sipd/', import.meta.url));
const contract = loadContractFile(join(bundled, 'sipd.yaml'), new Map([['sipd', { operations: sipdAdapter.operations, settingsSchema: sipdAdapter.settingsSchema! }]]));
const operation = (id: string) => contract.operations.find((op) => op.id === id)!;
const planExample = operation('pushPlan').request!.example as Record<string, unknown>;
const compiler = createSchemaCompiler();
const matchesResponseSchema = (id: string, body: unknown) => {
  const validate = compiler.compile(operation(id).response!.schema);
  return validate(body) ? 'valid' : compiler.errorsText(validate);
};

interface Answer { status: number; body: Record<string, unknown>; text: string; requestId: string }

describe('SIPD through the gateway', () => {
  let it_: Integration<SipdSim>;
  /** Every answer the gateway gave in this file, to search for secrets at the end. */
  const answers: Answer[] = [];
  /** Secret values that were in use at some point (the wrong ones too). */
  const secretsSeen = new Set<string>();

  beforeAll(async () => {
    // The bundled contract as is, but with a short timeout so the timeout case takes one second.
    const contracts = tempDir('sipd-contracts-');
    cpSync(bundled, join(contracts, 'sipd'), { recursive: true });
    const file = join(contracts, 'sipd', 'sipd.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^timeoutMs: \d+$/m, 'timeoutMs: 1000'));
    it_ = await startIntegration(sandbox, ({ host, port, credentials }) => startSipdSim({ host, port, credentials }), {
      contractDirs: [contracts],
      config: { log: { exchanges: 'all', level: 'debug' } },
    });
    for (const value of Object.values(it_.credentials)) secretsSeen.add(value);
  });
  afterAll(() => it_?.close());

  async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Answer> {
    const res = await fetch(`${it_.harness.url}/sipd/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${await it_.token('bappeda-perencanaan')}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const answer = { status: res.status, body: JSON.parse(text) as Record<string, unknown>, text, requestId: res.headers.get('x-request-id') ?? '' };
    answers.push(answer);
    return answer;
  }

  /** Runs `during` with a credential's secret file holding another value, then puts it back. */
  async function withCredential(name: string, value: string, during: () => Promise<void>): Promise<void> {
    const file = join(it_.secretsDir, name);
    const original = readFileSync(file, 'utf8');
    secretsSeen.add(value);
    writeFileSync(file, value);
    try {
      await during();
    } finally {
      writeFileSync(file, original);
    }
  }

  it('accepts the documented example of pushPlan and pushes it to SIPD with the key in the authentication header', async () => {
    const jenis = operation('pushPlan').pathParams.jenis!.example as string;
    const res = await call('POST', `/rencana/${jenis}`, planExample);
    expect(res.status).toBe(200);
    expect(matchesResponseSchema('pushPlan', res.body)).toBe('valid');
    expect(res.body).toMatchObject({ accepted: true, kind: 'renstra', regionCode: '1499', year: 2025, unitCode: '1.01.0101' });
    expect(res.body.log).toContain('COMMIT TRANS');
    const sent = it_.sim.lastRequest!;
    expect(sent.path).toBe('/run/serv/push_renstra');
    expect(Object.fromEntries(sent.query)).toEqual({ kodepemda: '1499', tahun: '2025' });
    expect(sent.headers.authentication).toBe(`Bearer ${it_.credentials.pushKey}`);
    expect(sent.headers.authorization).toBeUndefined(); // the PD application's token stays at the gateway
    expect(it_.sim.pushes.at(-1)).toMatchObject({ kind: 'renstra', kodepemda: '1499', body: { kodeskpd: '1.01.0101', uraiskpd: 'Dinas Pendidikan' } });
  });

  it('accepts the documented example of listRup and adds the API token as _apitoken', async () => {
    const query = operation('listRup').query;
    const res = await call('GET', `/rup?tahun=${String(query.tahun!.example)}&kodeskpd=${String(query.kodeskpd!.example)}`);
    expect(res.status).toBe(200);
    expect(matchesResponseSchema('listRup', res.body)).toBe('valid');
    expect(res.body).toEqual(operation('listRup').response!.example);
    expect(Object.fromEntries(it_.sim.lastRequest!.query)).toEqual({ _apitoken: it_.credentials.apiToken, tahun: '2025', kodewil: '1499', kodeskpd: '1.01.0101' });
  });

  it('pushes every document kind to its own endpoint', async () => {
    for (const jenis of ['rpjmd', 'ranwal', 'mapping']) {
      const res = await call('POST', `/rencana/${jenis}`, planExample);
      expect(res.status).toBe(200);
      expect(it_.sim.pushes.at(-1)!.kind).toBe(jenis);
    }
  });

  it('refuses schema violations and a foreign region before any upstream call', async () => {
    const before = it_.sim.total();
    const programs = [{ code: '1.01.02', name: 'Program', indicators: [{ code: '1', name: 'APM', unit: 'Persen', status: 'positive', targets: [1, 2, 3, 4] }] }];
    const shortTargets = await call('POST', '/rencana/renstra', { ...planExample, programs });
    expect(shortTargets.status).toBe(422);
    expect(shortTargets.body).toMatchObject({ code: 'CONTRACT_VALIDATION_FAILED', errors: [{ in: 'body', pointer: '/programs/0/indicators/0/targets' }] });
    expect((await call('POST', '/rencana/apbd', planExample)).body).toMatchObject({ code: 'CONTRACT_VALIDATION_FAILED', errors: [{ in: 'path' }] });
    expect((await call('GET', '/rup?kodeskpd=1.01.0101')).body).toMatchObject({ code: 'CONTRACT_VALIDATION_FAILED', errors: [{ in: 'query', pointer: '/tahun' }] });
    const foreign = await call('POST', '/rencana/renstra', { ...planExample, regionCode: '6201' });
    expect(foreign.status).toBe(422);
    expect(foreign.body).toMatchObject({ code: 'CONTRACT_VALIDATION_FAILED', errors: [{ in: 'body', pointer: '/regionCode' }] });
    expect(it_.sim.total()).toBe(before);
  });

  it('answers 422 UPSTREAM_REJECTED when SIPD hides its refusal in a code-200 answer', async () => {
    const pushes = it_.sim.pushes.length;
    const res = await call('POST', '/rencana/renstra', { ...planExample, unit: { code: '9.99.0101', name: 'Dinas Tidak Ada' } });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'UPSTREAM_REJECTED', upstream: { system: 'SIPD', code: '200', message: 'ERROR: 1499.9.99.0101 kodeskpd tidak terdaftar pada pemda 1499' } });
    expect(res.body.upstreamErrors).toEqual(['ERROR: 1499.9.99.0101 kodeskpd tidak terdaftar pada pemda 1499']);
    expect(it_.sim.pushes.length).toBe(pushes);
  });

  it('answers 502 UPSTREAM_AUTH_FAILED when SIPD refuses the push key or the API token', async () => {
    await withCredential('pushKey', 'pushKey-wrong-0123456789abcdef', async () => {
      const res = await call('POST', '/rencana/renstra', planExample);
      expect(res.status).toBe(502);
      expect(res.body).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', upstream: { system: 'SIPD', code: '401' } });
    });
    // SIPD (as simulated) echoes a refused token in its message: the gateway takes it out.
    await withCredential('apiToken', 'apiToken-wrong-0123456789abcdef', async () => {
      const res = await call('GET', '/rup?tahun=2025');
      expect(res.status).toBe(502);
      expect(res.body).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', upstream: { system: 'SIPD', code: '401', message: '_apitoken [redacted] tidak valid' } });
    });
    expect((await call('GET', '/rup?tahun=2025')).status).toBe(200); // the restored file is read at the next call
  });

  it('maps SIPD\'s faults: HTTP 500, an unreadable answer and no answer in time', async () => {
    it_.sim.inject('http500');
    expect((await call('POST', '/rencana/renstra', planExample)).body).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: { system: 'SIPD', code: '500' } });
    it_.sim.inject('garbage');
    expect((await call('GET', '/rup?tahun=2025')).body).toMatchObject({ code: 'UPSTREAM_INVALID_RESPONSE', status: 502 });
    it_.sim.slowMs = 2500;
    it_.sim.inject('slow');
    const slow = await call('GET', '/rup?tahun=2025');
    expect(slow.status).toBe(504);
    expect(slow.body.code).toBe('UPSTREAM_TIMEOUT');
  });

  it('answers 502 UPSTREAM_UNAVAILABLE when SIPD is down', async () => {
    await it_.sim.close();
    const pushed = await call('POST', '/rencana/renstra', planExample);
    expect(pushed.status).toBe(502);
    expect(pushed.body.code).toBe('UPSTREAM_UNAVAILABLE');
    expect((await call('GET', '/rup?tahun=2025')).body.code).toBe('UPSTREAM_UNAVAILABLE');
  });

  it('keeps the push key and the API token out of logs, traffic rows and every answer', async () => {
    await it_.harness.flushTraffic();
    expect(answers.length).toBeGreaterThan(15);
    expect(it_.harness.logs.lines.length).toBeGreaterThan(15);
    const rows = (await Promise.all(answers.map((a) => trafficRows(it_.harness.gateway, a.requestId)))).flat();
    expect(rows.length).toBe(answers.length);
    expect(rows.every((row) => String(row.path).startsWith('/sipd/v1/'))).toBe(true);
    const rowsText = JSON.stringify(rows);
    for (const secret of secretsSeen) {
      expect(it_.harness.logs.text).not.toContain(secret);
      expect(rowsText).not.toContain(secret);
      for (const answer of answers) expect(answer.text).not.toContain(secret);
    }
    expect(it_.harness.logs.text).not.toContain('_apitoken=');
  });
});
