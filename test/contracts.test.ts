import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { describeAdapters, discoverAdapters } from '../adapters/index.ts';
import type { AdapterDescriptor } from '../gateway/adapter-api/index.ts';
import { ContractLoadError, loadContracts } from '../gateway/registry/load-contracts.ts';
import { readSnapshot } from '../gateway/registry/repository.ts';
import { applyContracts } from '../gateway/registry/apply.ts';
import { RoutingTable } from '../gateway/registry/routing-table.ts';
import { defaultBreakerSettings } from '../gateway/resilience/breakers.ts';
import { openStore } from '../gateway/store/open.ts';
import type { Store } from '../gateway/store/store.ts';
import { asWritten, bundledContracts, sandboxContracts, startHarness, tempDir } from './support/harness.ts';

const validContract = `
id: test-pegawai
integration: kepegawaian
version: 2.1.0
state: active
classification: terbatas
scopes: [pegawai.read]
upstream: { name: simpeg, url: http://127.0.0.1:9/simpeg }
operations:
  - id: getEmployee
    method: GET
    path: /pegawai/{nip}
    parameters:
      nip: { schema: { type: string, pattern: '^[0-9]{18}$' }, example: '198503302010011002' }
  - id: listNew
    method: GET
    path: /pegawai/baru
`;

/** A contract directory with one integration folder holding the given files. */
function contractDir(files: Record<string, string>): string {
  const dir = tempDir('contracts-');
  mkdirSync(join(dir, 'kepegawaian', 'schemas'), { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'kepegawaian', name), text);
  return dir;
}

function rejection(dir: string, adapters: ReadonlyMap<string, AdapterDescriptor> = new Map()): string {
  try {
    loadContracts([dir], adapters);
  } catch (error) {
    expect(error).toBeInstanceOf(ContractLoadError);
    return (error as Error).message;
  }
  throw new Error('expected the contracts to be rejected');
}

describe('contract files', () => {
  it('loads the bundled contracts with schemas and examples resolved', async () => {
    const all = loadContracts([bundledContracts], describeAdapters(await discoverAdapters()));
    const loaded = all.find((c) => c.definition.id === 'sandbox-direktori');
    const register = loaded!.definition.operations.find((op) => op.id === 'registerLetter')!;
    expect(register.request!.example).toMatchObject({ sifat: 'biasa' });
    expect((register.request!.schema as { title: string }).title).toBe('SuratMasuk');
  });

  it.each([
    ['bad YAML', 'id: [unclosed', /not valid YAML/],
    ['a missing field', validContract.replace('classification: terbatas\n', ''), /must have required property 'classification'/],
    ['an unknown key', `${validContract}\nowner: someone\n`, /must NOT have additional properties "owner"/],
    ['a bad classification', validContract.replace('classification: terbatas', 'classification: sangat-rahasia'), /classification/],
    ['a bad state', validContract.replace('state: active', 'state: live'), /state/],
    ['an undeclared path parameter', validContract.replace("    parameters:\n      nip: { schema: { type: string, pattern: '^[0-9]{18}$' }, example: '198503302010011002' }\n", ''), /path parameter \{nip\} is not declared/],
    ['an example that fails its schema', validContract.replace("example: '198503302010011002'", "example: '123'"), /the example does not match its schema/],
    ['a missing schema file', `${validContract}  - id: create\n    method: POST\n    path: /pegawai\n    request: { schema: schemas/missing.json }\n`, /schema file schemas\/missing.json not found/],
    ['a request without an example', `${validContract}  - id: create\n    method: POST\n    path: /pegawai\n    request: { schema: { type: object } }\n`, /an example is required/],
    ['an unknown adapter', validContract.replace('operations:', 'forwarding: no-such-adapter\noperations:'), /forwarding "no-such-adapter" names no adapter/],
    ['an operation on the gateway\'s delivery poll', `${validContract}  - id: delivery\n    method: GET\n    path: /deliveries/{id}\n    parameters:\n      id: { schema: { type: string }, example: 'x' }\n`, /GET \/deliveries\/\{id\} is taken by the gateway/],
  ])('rejects %s with the file and the reason', (_name, text, reason) => {
    const message = rejection(contractDir({ 'pegawai.yaml': text }));
    expect(message).toContain(join('kepegawaian', 'pegawai.yaml'));
    expect(message).toMatch(reason);
  });

  describe('forwarding to an adapter', () => {
    const simpeg: AdapterDescriptor = {
      operations: ['getEmployee', 'listNew'],
      settingsSchema: { type: 'object', additionalProperties: false, properties: { region: { type: 'string', default: '6201' } } },
      checkContract: (contract) => (contract.settings.region === '0000' ? ['region 0000 does not exist'] : []),
    };
    const adapters = new Map([['simpeg', simpeg]]);
    const viaAdapter = validContract.replace('operations:', 'forwarding: simpeg\noperations:');

    it('accepts a contract the adapter maps, with the settings defaults filled in', () => {
      const [loaded] = loadContracts([contractDir({ 'pegawai.yaml': viaAdapter })], adapters);
      expect(loaded!.definition.forwarding).toBe('simpeg');
      expect(loaded!.definition.adapterSettings).toEqual({ region: '6201' });
    });

    it.each([
      ['an operation the adapter does not map', viaAdapter.replace('id: listNew', 'id: listAll'), /adapter simpeg has no mapping for operation listAll/],
      ['settings outside the adapter\'s schema', viaAdapter.replace('operations:', 'adapter: { regoin: x }\noperations:'), /adapter: block does not match adapter simpeg's settings/],
      ['settings the adapter\'s own check refuses', viaAdapter.replace('operations:', "adapter: { region: '0000' }\noperations:"), /adapter simpeg: region 0000 does not exist/],
      ['an adapter: block on a passthrough contract', validContract.replace('operations:', 'adapter: { region: x }\noperations:'), /needs forwarding to name an adapter/],
      ['a passthrough contract without upstream', validContract.replace('upstream: { name: simpeg, url: http://127.0.0.1:9/simpeg }\n', ''), /passthrough contract needs an upstream/],
    ])('rejects %s', (_name, text, reason) => {
      expect(rejection(contractDir({ 'pegawai.yaml': text }), adapters)).toMatch(reason);
    });
  });

  it('rejects two active contracts claiming the same route', () => {
    const message = rejection(contractDir({ 'a.yaml': validContract, 'b.yaml': validContract.replace('id: test-pegawai', 'id: test-pegawai-copy') }));
    expect(message).toMatch(/route GET \/kepegawaian\/v2\/pegawai\/\{\} is also served/);
  });

  describe('contracts sharing an upstream (one circuit breaker per upstream)', () => {
    const other = validContract.replace('id: test-pegawai', 'id: test-cuti').replace('integration: kepegawaian', 'integration: cuti');
    const withBreaker = (text: string, breaker: string) => text.replace('upstream:', `resilience: { breaker: ${breaker} }\nupstream:`);

    it('accepts them when their breaker settings agree, defaults included', () => {
      const loaded = loadContracts([contractDir({ 'a.yaml': withBreaker(validContract, '{ volumeThreshold: 10 }'), 'b.yaml': withBreaker(other, '{ volumeThreshold: 10 }') })]);
      expect(loaded.map((c) => c.definition.id).sort()).toEqual(['test-cuti', 'test-pegawai']);
      const defaultsSpelledOut = withBreaker(other, `{ volumeThreshold: ${defaultBreakerSettings.volumeThreshold} }`);
      expect(loadContracts([contractDir({ 'a.yaml': validContract, 'b.yaml': defaultsSpelledOut })])).toHaveLength(2);
    });

    it('rejects them when their breaker settings differ, naming both files', () => {
      const message = rejection(contractDir({ 'a.yaml': withBreaker(validContract, '{ volumeThreshold: 10 }'), 'b.yaml': withBreaker(other, '{ volumeThreshold: 50 }') }));
      expect(message).toMatch(/upstream simpeg has the circuit breaker .*"volumeThreshold":50.* here but .*"volumeThreshold":10.* in .*a\.yaml/);
    });
  });
});

describe('routing table', () => {
  it('matches static segments before parameters and decodes parameters', () => {
    const [loaded] = loadContracts([contractDir({ 'pegawai.yaml': validContract })]);
    const table = new RoutingTable({ revision: 1, contracts: [loaded!.definition], consumers: new Map(), partners: new Map(), certificates: new Map(), agreementsByPartner: new Map() });
    expect(table.match('GET', '/kepegawaian/v2/pegawai/baru')?.route.operation.id).toBe('listNew');
    const match = table.match('GET', '/kepegawaian/v2/pegawai/1985%2003');
    expect(match?.route.operation.id).toBe('getEmployee');
    expect(match?.params).toEqual({ nip: '1985 03' });
    expect(table.match('GET', '/kepegawaian/v1/pegawai/baru')).toBeNull();
    expect(table.match('POST', '/kepegawaian/v2/pegawai/baru')).toBeNull();
    expect(table.match('GET', '/kepegawaian')).toBeNull();
  });
});

describe('penghubung apply', () => {
  let store: Store;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = tempDir();
    store = await openStore({ dataDir, store: { url: null } });
  });
  afterAll(async () => {
    await store?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is idempotent: the second apply changes nothing and keeps the revision', async () => {
    const loaded = loadContracts([sandboxContracts]);
    const first = await applyContracts(store, loaded, asWritten);
    expect(first.created).toEqual(['sandbox-direktori']);
    const second = await applyContracts(store, loadContracts([sandboxContracts]), asWritten);
    expect(second).toMatchObject({ created: [], updated: [], unchanged: ['sandbox-direktori'], revision: first.revision });
  });

  it('is all or nothing: one bad file keeps every contract of the directory out of the store', async () => {
    const dir = contractDir({ 'good.yaml': validContract, 'bad.yaml': 'id: broken\n' });
    expect(() => loadContracts([dir])).toThrow(ContractLoadError);
    const snapshot = await readSnapshot(store);
    expect(snapshot.contracts.map((c) => c.id)).not.toContain('test-pegawai');
  });

  it('routes only active contracts', async () => {
    await applyContracts(store, loadContracts([contractDir({ 'pegawai.yaml': validContract.replace('state: active', 'state: approved') })]), asWritten);
    let snapshot = await readSnapshot(store);
    expect(snapshot.contracts.map((c) => c.id)).toEqual(['sandbox-direktori']);
    const summary = await applyContracts(store, loadContracts([contractDir({ 'pegawai.yaml': validContract })]), asWritten);
    expect(summary.updated).toEqual(['test-pegawai']);
    snapshot = await readSnapshot(store);
    expect(snapshot.contracts.map((c) => c.id).sort()).toEqual(['sandbox-direktori', 'test-pegawai']);
  });
});

describe('a running gateway', () => {
  it('swaps the routing table whole when a contract changes, without restart', async () => {
    const dir = tempDir('contracts-');
    cpSync(sandboxContracts, join(dir, 'sandbox'), { recursive: true });
    const h = await startHarness({ contractDirs: [dir] });
    try {
      const token = await h.token('app-reader');
      const before = await request(h.url).get('/sandbox/v1/perangkat-daerah/2.16').set('authorization', `Bearer ${token}`);
      expect(before.status).toBe(200);
      const file = join(dir, 'sandbox', 'direktori.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace('state: active', 'state: deprecated').replace('version: 1.0.0', 'version: 1.0.1'));
      // A v2 published alongside, as an integration moving on would.
      writeFileSync(join(dir, 'sandbox', 'direktori-v2.yaml'), readFileSync(file, 'utf8').replace('id: sandbox-direktori', 'id: sandbox-direktori-v2').replace('version: 1.0.1', 'version: 2.0.0').replace('state: deprecated', 'state: active'));
      await applyContracts(h.gateway.store, loadContracts([dir]), asWritten);
      await new Promise((r) => setTimeout(r, 600)); // the registry polls every 0.2 s here
      // Deprecated: still served, and says so (RFC 9745).
      const old = await request(h.url).get('/sandbox/v1/perangkat-daerah/2.16').set('authorization', `Bearer ${token}`);
      expect(old.status).toBe(200);
      expect(old.headers.deprecation).toMatch(/^@\d+$/);
      const next = await request(h.url).get('/sandbox/v2/perangkat-daerah/2.16').set('authorization', `Bearer ${token}`);
      expect(next.status).toBe(200);
      expect(next.headers.deprecation).toBeUndefined();
      // Retired: its routes say so, rather than that they never existed.
      writeFileSync(file, readFileSync(file, 'utf8').replace('state: deprecated', 'state: retired'));
      await applyContracts(h.gateway.store, loadContracts([dir]), asWritten);
      await new Promise((r) => setTimeout(r, 600));
      const gone = await request(h.url).get('/sandbox/v1/perangkat-daerah/2.16').set('authorization', `Bearer ${token}`);
      expect(gone.status).toBe(410);
      expect(gone.body).toMatchObject({ code: 'CONTRACT_RETIRED', contract: 'sandbox-direktori', version: '1.0.1' });
    } finally {
      await h.close();
    }
  });
});
