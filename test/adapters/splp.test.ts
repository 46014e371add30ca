import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeAdapters, discoverAdapters } from '../../adapters/index.ts';
import sandbox from '../../adapters/splp/sandbox.ts';
import { startSplpSim, type SplpSim } from '../../adapters/splp/simulator.ts';
import { loadContractFile } from '../../gateway/registry/load-contracts.ts';
import { routePrefix, type ContractDefinition } from '../../gateway/registry/contract.ts';
import { createSchemaCompiler } from '../../gateway/registry/schema-compiler.ts';
import { tempDir } from '../support/harness.ts';
import { startIntegration, type Integration } from '../support/integration.ts';

const splpContracts = fileURLToPath(new URL('../../contracts/splp/', import.meta.url));
const client = 'diskominfo-portal';
const apiKey = 'splp-api-key-0f3c9a7d5e1b';

/**
 * A second contract on the same simulator, calling it with an API key under another upstream
 * name (`splp-kunci`), with one operation whose SPLP resource does not exist.
 */
function apiKeyContract(simUrl: string): string {
  return `
id: splp-uji
integration: splp-uji
version: 1.0.0
state: active
classification: publik
scopes: [splp.read]
upstream: { name: splp-kunci, url: '${simUrl}' }
forwarding: splp
adapter:
  tenant: kemendagri.go.id
  context: wilayah
  version: '1.0'
  auth: apikey
  operations:
    getRegion: { method: GET, path: '/wilayah/{kode}', unwrap: data }
    getDistricts: { method: GET, path: '/wilayah/{kode}/kecamatan' }
operations:
  - id: getRegion
    method: GET
    path: /wilayah/{kode}
    parameters: { kode: { schema: { type: string }, example: '62.01' } }
  - id: getDistricts
    method: GET
    path: /wilayah/{kode}/kecamatan
    parameters: { kode: { schema: { type: string }, example: '62.01' } }
`;
}

describe('SPLP through the gateway', () => {
  let it_: Integration<SplpSim>;
  let contract: ContractDefinition;
  const extraContracts = tempDir('splp-contracts-');
  const keyDir = tempDir('splp-key-');
  const keyFile = join(keyDir, 'apiKey');
  writeFileSync(keyFile, apiKey, { mode: 0o600 });

  beforeAll(async () => {
    contract = loadContractFile(join(splpContracts, 'splp-wilayah.yaml'), describeAdapters(await discoverAdapters()));
    it_ = await startIntegration(sandbox, async (options) => {
      const sim = await startSplpSim({ ...options, credentials: { ...options.credentials, apiKey } });
      mkdirSync(join(extraContracts, 'splp-uji'), { recursive: true });
      writeFileSync(join(extraContracts, 'splp-uji', 'splp-uji.yaml'), apiKeyContract(sim.url));
      return sim;
    }, {
      contractDirs: [splpContracts, extraContracts],
      upstreams: { 'splp-kunci': { credentials: { apiKey: `file:${keyFile}` } } },
      config: { log: { exchanges: 'all', level: 'debug' } },
    });
  });
  afterAll(async () => {
    await it_?.close();
    for (const dir of [extraContracts, keyDir]) rmSync(dir, { recursive: true, force: true });
  });

  const call = async (path: string) => {
    const res = await fetch(`${it_.harness.url}${path}`, { headers: { authorization: `Bearer ${await it_.token(client)}` } });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  };
  const apiHits = () => it_.sim.total() - it_.sim.tokenRequests();

  it('answers every operation called with its contract examples, in the contract\'s response shape', async () => {
    const compiler = createSchemaCompiler();
    for (const operation of contract.operations) {
      let path = operation.path;
      for (const [name, spec] of Object.entries(operation.pathParams)) path = path.replace(`{${name}}`, encodeURIComponent(String(spec.example)));
      const query = new URLSearchParams(Object.entries(operation.query).filter(([, spec]) => spec.example !== undefined).map(([name, spec]): [string, string] => [name, String(spec.example)]));
      const res = await call(`${routePrefix(contract)}${path}${query.size ? `?${query.toString()}` : ''}`);
      expect(res.status, operation.id).toBe(200);
      const validate = compiler.compile(operation.response!.schema);
      expect(validate(res.body), `${operation.id}: ${compiler.errorsText(validate)}`).toBe(true);
    }
    const region = await call('/splp-wilayah/v1/wilayah/62.01');
    expect(region.body).toEqual({ kode: '62.01', nama: 'Kabupaten Kotawaringin Barat', tingkat: 'kabupaten', induk: '62', ibukota: 'Pangkalan Bun' });
  });

  it('passes the declared query to SPLP and sends the bearer token, not the caller\'s', async () => {
    const res = await fetch(`${it_.harness.url}/splp-wilayah/v1/provinsi?nama=bangka&other=1`, { headers: { authorization: `Bearer ${await it_.token(client)}` } });
    expect(await res.json()).toEqual([{ kode: '19', nama: 'Kepulauan Bangka Belitung' }]);
    const sent = it_.sim.lastApiRequest()!;
    expect(sent.path).toBe('/t/kemendagri.go.id/wilayah/1.0/provinsi');
    expect([...sent.query]).toEqual([['nama', 'bangka']]);
    expect(it_.sim.issued).toContain(sent.headers.authorization!.replace('Bearer ', ''));
  });

  it('refuses a request violating the contract before any SPLP call', async () => {
    const before = it_.sim.total();
    const res = await call('/splp-wilayah/v1/wilayah/kode-salah');
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'CONTRACT_VALIDATION_FAILED', errors: [{ in: 'path', pointer: '/kode' }] });
    const tooShort = await call('/splp-wilayah/v1/provinsi?nama=x');
    expect(tooShort.status).toBe(422);
    expect(it_.sim.total()).toBe(before);
  });

  it('maps the API\'s 404 and SPLP\'s 900906 to UPSTREAM_NOT_FOUND with SPLP\'s words', async () => {
    const unknown = await call('/splp-wilayah/v1/wilayah/99.99');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'UPSTREAM_NOT_FOUND', upstream: { system: 'SPLP', code: 'HTTP 404', message: 'Kode wilayah 99.99 tidak ditemukan' } });
    const noResource = await call('/splp-uji/v1/wilayah/62.01/kecamatan');
    expect(noResource.status).toBe(404);
    expect(noResource.body).toMatchObject({ code: 'UPSTREAM_NOT_FOUND', upstream: { system: 'SPLP', code: '900906', message: 'No matching resource found in the API for the given request' } });
  });

  it('fetches one new token when SPLP refuses an expired one, and the call succeeds', async () => {
    await call('/splp-wilayah/v1/wilayah/62'); // a cached token exists
    const tokens = it_.sim.tokenRequests();
    const hits = apiHits();
    it_.sim.expireTokens();
    const first = await call('/splp-wilayah/v1/wilayah/61.05');
    expect(first).toMatchObject({ status: 200, body: { nama: 'Kabupaten Sintang' } });
    expect(it_.sim.tokenRequests() - tokens).toBe(1);
    expect(apiHits() - hits).toBe(2); // refused once, then sent with the new token
    expect((await call('/splp-wilayah/v1/wilayah/61')).status).toBe(200);
    expect(it_.sim.tokenRequests() - tokens).toBe(1); // the new token is cached
    expect(apiHits() - hits).toBe(3);
  });

  it('gives UPSTREAM_AUTH_FAILED with 900901 when even a fresh token is refused, after one refetch', async () => {
    await call('/splp-wilayah/v1/wilayah/62');
    const tokens = it_.sim.tokenRequests();
    const hits = apiHits();
    it_.sim.refuseTokens(true);
    try {
      const res = await call('/splp-wilayah/v1/wilayah/62');
      expect(res.status).toBe(502);
      expect(res.body).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', upstream: { system: 'SPLP', code: '900901', message: 'Invalid Credentials' } });
      expect(it_.sim.tokenRequests() - tokens).toBe(1);
      expect(apiHits() - hits).toBe(2);
    } finally {
      it_.sim.refuseTokens(false);
    }
  });

  it('gives UPSTREAM_AUTH_FAILED with the token endpoint\'s error when the consumer secret is wrong', async () => {
    const secretFile = join(it_.secretsDir, 'consumerSecret');
    writeFileSync(secretFile, 'not-the-secret');
    it_.sim.expireTokens();
    try {
      const res = await call('/splp-wilayah/v1/wilayah/62');
      expect(res.status).toBe(502);
      expect(res.body).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', upstream: { system: 'SPLP', code: 'invalid_client', message: 'Client Authentication failed.' } });
    } finally {
      writeFileSync(secretFile, it_.credentials.consumerSecret!);
    }
    expect((await call('/splp-wilayah/v1/wilayah/62')).status).toBe(200);
  });

  it('does not repeat the consumer key SPLP names when it does not know it', async () => {
    const keyFile = join(it_.secretsDir, 'consumerKey');
    writeFileSync(keyFile, 'unknown-consumer-key-5d1e');
    it_.sim.expireTokens();
    try {
      const res = await call('/splp-wilayah/v1/wilayah/62');
      expect(res.status).toBe(502);
      expect(res.body).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', upstream: { code: 'invalid_client', message: 'A valid OAuth client could not be found for client_id: [redacted]' } });
      await it_.harness.flushTraffic();
      expect(it_.harness.logs.text).not.toContain('unknown-consumer-key-5d1e');
    } finally {
      writeFileSync(keyFile, it_.credentials.consumerKey!);
    }
  });

  it('maps throttling to UPSTREAM_UNAVAILABLE with Retry-After', async () => {
    it_.sim.throttle(0);
    try {
      const res = await call('/splp-wilayah/v1/provinsi');
      expect(res.status).toBe(502);
      expect(res.body).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: { system: 'SPLP', code: '900800', message: 'Message throttled out' } });
      const retryAfter = Number(res.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(3600);
    } finally {
      it_.sim.throttle(null);
    }
  });

  it('calls with the API key in the apikey header, and does not retry a refused key', async () => {
    const ok = await call('/splp-uji/v1/wilayah/19.03');
    expect(ok).toMatchObject({ status: 200, body: { nama: 'Kabupaten Bangka Selatan' } });
    const sent = it_.sim.lastApiRequest()!;
    expect(sent.headers.apikey).toBe(apiKey);
    expect(sent.headers.authorization).toBeUndefined();

    writeFileSync(keyFile, 'revoked-api-key');
    try {
      const hits = apiHits();
      const refused = await call('/splp-uji/v1/wilayah/19.03');
      expect(refused.status).toBe(502);
      expect(refused.body).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', upstream: { system: 'SPLP', code: '900901' } });
      expect(apiHits() - hits).toBe(1);
    } finally {
      writeFileSync(keyFile, apiKey);
    }
  });

  it('keeps consumer key, secret, API key and access tokens out of every log line and problem', async () => {
    await it_.harness.flushTraffic();
    const logs = it_.harness.logs.text;
    expect(it_.harness.logs.lines.length).toBeGreaterThan(10);
    expect(logs).toContain('SPLP refused the cached access token');
    for (const value of [...Object.values(it_.credentials), apiKey, ...it_.sim.issued]) expect(logs).not.toContain(value);
  });
});
