// The BKN SIASN integration through a real gateway (SSO, pipeline, adapter) against the simulator.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import adapter from '../../adapters/bkn/adapter.ts';
import sandbox from '../../adapters/bkn/sandbox.ts';
import { startBknSimulator, type BknSimulator } from '../../adapters/bkn/simulator.ts';
import { loadContractFile } from '../../gateway/registry/load-contracts.ts';
import { createSchemaCompiler } from '../../gateway/registry/schema-compiler.ts';
import { startIntegration, type Integration } from '../support/integration.ts';

const contractDir = fileURLToPath(new URL('../../contracts/bkn/', import.meta.url));
const contract = loadContractFile(join(contractDir, 'bkn-siasn.yaml'), new Map([['bkn', { operations: adapter.operations, settingsSchema: adapter.settingsSchema! }]]));
const fixture = (operation: string, name: string) => JSON.parse(readFileSync(new URL(`../../adapters/bkn/fixtures/${operation}/${name}.json`, import.meta.url), 'utf8'));

const andi = '198503152010011003';
const unknownNip = '199205102019031005';
const positionChange = fixture('savePosition', 'canonical-request').body as Record<string, unknown>;

describe('BKN SIASN through the gateway', () => {
  let it_: Integration<BknSimulator>;
  let sim: BknSimulator;
  let token: string;

  beforeAll(async () => {
    // Only this integration's contract, so colleagues' contracts in progress cannot break the run.
    it_ = await startIntegration(sandbox, (options) => startBknSimulator(options), {
      contractDirs: [contractDir],
      config: { log: { exchanges: 'all', level: 'debug' } },
    });
    sim = it_.sim;
    token = await it_.token('bkpsdm-simpeg');
  });
  afterAll(() => it_?.close());

  async function send(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${it_.harness.url}/bkn/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }
  const employee = () => send('GET', `/pegawai/${andi}`);
  const counts = () => ({ gateway: sim.tokenRequests.gateway, sso: sim.tokenRequests.sso, api: sim.apiRequests() });

  // First, while the adapter holds no token yet.
  it('fetches each token once for 20 concurrent first calls', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => employee()));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(sim.tokenRequests).toMatchObject({ gateway: 1, sso: 1 });
    expect(sim.apiRequests()).toBe(20);
  });

  it('answers every operation\'s contract example with a 2xx that matches the contract\'s response schema', async () => {
    const compiler = createSchemaCompiler();
    for (const operation of contract.operations) {
      const path = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => String(operation.pathParams[name]!.example));
      const res = await send(operation.method as 'GET' | 'POST', path, operation.request?.example);
      expect(res.status, `${operation.id}: ${JSON.stringify(res.body)}`).toBeGreaterThanOrEqual(200);
      expect(res.status, operation.id).toBeLessThan(300);
      const validate = compiler.compile(operation.response!.schema);
      expect(validate(res.body), `${operation.id}: ${compiler.errorsText(validate)}`).toBe(true);
    }
    // The example save reached SIASN exactly as the golden fixture has it.
    expect(sim.savedPositions.at(-1)?.body).toEqual(fixture('savePosition', 'upstream-request').body);
  });

  it('shows a saved position in the position history, newest first', async () => {
    const saved = await send('POST', '/jabatan', { ...positionChange, tmt: '2025-01-02', decree: { number: '821.2/BKPSDM/2024/999', date: '2024-12-20' } });
    expect(saved).toMatchObject({ status: 201, body: { nip: andi, status: 'saved', id: sim.savedPositions.at(-1)!.rwJabatanId } });
    const history = await send('GET', `/pegawai/${andi}/riwayat-jabatan`);
    expect((history.body.items as Record<string, unknown>[])[0]).toMatchObject({
      id: saved.body.id, type: 'fungsional', name: 'Statistisi Ahli Muda', tmt: '2025-01-02', unit: { name: 'Bidang Persandian dan Statistik' },
    });
  });

  it('refuses an implausible NIP before any upstream call, in the path and in the body', async () => {
    const before = sim.server.total();
    const path = await send('GET', '/pegawai/198513152010011003/riwayat-golongan');
    expect(path.status).toBe(422);
    expect(path.body).toMatchObject({ code: 'CONTRACT_VALIDATION_FAILED', errors: [{ in: 'path', pointer: '/nip', message: expect.stringMatching(/birth date/) }] });
    const tooShort = await send('GET', '/pegawai/19850315201001100');
    expect(tooShort.body).toMatchObject({ code: 'CONTRACT_VALIDATION_FAILED', errors: [{ in: 'path', pointer: '/nip' }] });
    const body = await send('POST', '/jabatan', { ...positionChange, nip: '198503152010013003' });
    expect(body.status).toBe(422);
    expect(body.body).toMatchObject({ code: 'CONTRACT_VALIDATION_FAILED', errors: [{ in: 'body', pointer: '/nip', message: expect.stringMatching(/gender/) }] });
    const struktural = await send('POST', '/jabatan', { ...positionChange, type: 'struktural', positionId: undefined });
    expect(struktural.body).toMatchObject({ code: 'CONTRACT_VALIDATION_FAILED', errors: expect.arrayContaining([expect.objectContaining({ in: 'body', pointer: '/echelonId' })]) });
    expect(sim.server.total()).toBe(before);
  });

  it('maps an unknown NIP to 404 UPSTREAM_NOT_FOUND with SIASN\'s code and message', async () => {
    for (const res of [await send('GET', `/pegawai/${unknownNip}`), await send('POST', '/jabatan', { ...positionChange, nip: unknownNip })]) {
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ code: 'UPSTREAM_NOT_FOUND', upstream: { system: 'BKN SIASN', code: '0', message: 'Data tidak ditemukan' } });
    }
  });

  it('maps a save SIASN refuses to 422 UPSTREAM_REJECTED with its message', async () => {
    const res = await send('POST', '/jabatan', { ...positionChange, tmt: '2009-06-01' });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'UPSTREAM_REJECTED', upstream: { system: 'BKN SIASN', message: 'TMT jabatan tidak boleh kurang dari TMT CPNS' } });
  });

  it('fetches one new API Manager token, and no SSO token, when only the API Manager token expired', async () => {
    const before = counts();
    sim.expireGatewayTokens();
    expect((await employee()).status).toBe(200);
    expect(counts()).toEqual({ gateway: before.gateway + 1, sso: before.sso, api: before.api + 2 });
  });

  it('fetches one new SSO token, and no API Manager token, when only the SSO token expired', async () => {
    const before = counts();
    sim.expireSsoTokens();
    expect((await employee()).status).toBe(200);
    expect(counts()).toEqual({ gateway: before.gateway, sso: before.sso + 1, api: before.api + 2 });
  });

  it('recovers when both tokens expired: one new token of each kind', async () => {
    const before = counts();
    sim.expireGatewayTokens();
    sim.expireSsoTokens();
    expect((await employee()).status).toBe(200);
    expect(counts()).toEqual({ gateway: before.gateway + 1, sso: before.sso + 1, api: before.api + 3 });
  });

  it('answers 502 UPSTREAM_AUTH_FAILED with the WSO2 code when a fresh API Manager token is refused too', async () => {
    sim.failNext('gateway-refusal', 2);
    const res = await employee();
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', upstream: { system: 'BKN SIASN', code: '900901', message: 'Invalid Credentials' } });
  });

  it('answers 502 UPSTREAM_AUTH_FAILED with SIASN\'s words when a fresh SSO token is refused too', async () => {
    sim.failNext('sso-refusal', 2);
    const res = await employee();
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', upstream: { system: 'BKN SIASN', code: '401', message: 'invalid or expired jwt' } });
  });

  it('answers 502 UPSTREAM_AUTH_FAILED after a wrong consumer secret: the API Manager refuses the stale token (900901), then the new one cannot be had', async () => {
    const secretFile = join(it_.secretsDir, 'consumerSecret');
    writeFileSync(secretFile, 'wrong-consumer-secret');
    try {
      const apiBefore = sim.apiRequests();
      sim.expireGatewayTokens();
      const res = await employee();
      expect(res.status).toBe(502);
      expect(res.body).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', upstream: { system: 'BKN SIASN API Manager', code: 'invalid_client', message: 'Client Authentication failed.' } });
      expect(sim.apiRequests()).toBe(apiBefore + 1);
      expect(JSON.stringify(res.body)).not.toContain('wrong-consumer-secret');
    } finally {
      writeFileSync(secretFile, it_.credentials.consumerSecret!);
    }
    expect((await employee()).status).toBe(200);
  });

  it('maps BKN failures: HTML page UPSTREAM_INVALID_RESPONSE, lasting 500 and 503 UPSTREAM_UNAVAILABLE', async () => {
    sim.failNext('html');
    expect((await employee()).body).toMatchObject({ status: 502, code: 'UPSTREAM_INVALID_RESPONSE' });
    // A 500 may mean SIASN acted and failed: not retried. A 503 is, twice by default, so only a lasting one reaches the caller.
    sim.failNext('server-error');
    expect((await employee()).body).toMatchObject({ status: 502, code: 'UPSTREAM_UNAVAILABLE' });
    sim.failNext('unavailable', 3);
    expect((await employee()).body).toMatchObject({ status: 502, code: 'UPSTREAM_UNAVAILABLE' });
  });

  it('retries a read once SIASN answers 503, transparently for the caller', async () => {
    sim.failNext('unavailable');
    const res = await employee();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ nip: expect.any(String) });
  });

  it('keeps credentials and BKN tokens out of every log line', async () => {
    await it_.harness.flushTraffic();
    const logs = it_.harness.logs.text;
    expect(it_.harness.logs.lines.length).toBeGreaterThan(20);
    expect(logs).toContain('BKN refused the API Manager token');
    for (const value of Object.values(it_.credentials)) expect(logs).not.toContain(value);
    expect(sim.issuedTokens().length).toBeGreaterThan(4);
    for (const value of sim.issuedTokens()) expect(logs).not.toContain(value);
    expect(logs).not.toContain('wrong-consumer-secret');
  });
});
