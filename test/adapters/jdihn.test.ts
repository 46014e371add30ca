import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeAdapters, discoverAdapters } from '../../adapters/index.ts';
import { feedRoute } from '../../adapters/jdihn/feed.ts';
import type { LegalDocument } from '../../adapters/jdihn/legal-document.ts';
import type { JdihnRecord } from '../../adapters/jdihn/mapping.ts';
import sandbox from '../../adapters/jdihn/sandbox.ts';
import { startJdihnHarvester, type JdihnHarvester } from '../../adapters/jdihn/simulator.ts';
import type { DocumentStore, StoredDocument } from '../../gateway/adapter-api/index.ts';
import type { OperationSpec } from '../../gateway/registry/contract.ts';
import { loadContractFile } from '../../gateway/registry/load-contracts.ts';
import { createSchemaCompiler } from '../../gateway/registry/schema-compiler.ts';
import { trafficRows } from '../support/harness.ts';
import { startIntegration, type Integration } from '../support/integration.ts';

const fixture = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../../adapters/jdihn/fixtures/${name}.json`, import.meta.url), 'utf8')) as T;
const perbup = fixture<LegalDocument>('perbup.canonical');
const monografi = fixture<LegalDocument>('monografi.canonical');
const client = 'bagian-hukum-jdih';

interface Answer { status: number; headers: Headers; body: Record<string, unknown> }

describe('the JDIHN adapter and its harvest feed', () => {
  let it_: Integration<Awaited<ReturnType<typeof sandbox.start>>>;
  let harvester: JdihnHarvester;
  let feedUrl: string;
  let operations: Map<string, OperationSpec>;
  const compiler = createSchemaCompiler();

  beforeAll(async () => {
    const contract = loadContractFile(fileURLToPath(new URL('../../contracts/jdihn/jdihn.yaml', import.meta.url)), describeAdapters(await discoverAdapters()));
    operations = new Map(contract.operations.map((op) => [op.id, op]));
    it_ = await startIntegration(sandbox, (options) => sandbox.start(options), {
      config: { public: { enabled: true, host: '127.0.0.1', port: 0 }, log: { exchanges: 'all', level: 'debug' } },
    });
    feedUrl = `${it_.harness.gateway.public!.url}/jdihn/integrasi`;
    harvester = await startJdihnHarvester({ feedUrl });
  });
  afterAll(async () => {
    await harvester?.close();
    await it_?.close();
  });

  const call = async (method: string, path: string, body?: unknown, token?: string | null, extra: Record<string, string> = {}): Promise<Answer> => {
    const headers: Record<string, string> = { ...extra };
    const bearer = token === undefined ? await it_.token(client) : token;
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${it_.harness.url}/jdihn/v1${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  };
  const feed = async (init: RequestInit = {}) => {
    const res = await fetch(feedUrl, init);
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  const matchesResponseSchema = (operation: string, body: unknown) => {
    const validate = compiler.compile(operations.get(operation)!.response!.schema);
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
  };

  it('publishes an empty, cacheable feed before anything is registered', async () => {
    const res = await feed();
    expect(res.status).toBe(200);
    expect(res.text).toBe('[]');
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    expect(res.headers.get('etag')).toMatch(/^"[\w-]{32}"$/);
    expect(await harvester.harvest()).toMatchObject({ status: 'ok', httpStatus: 200, records: 0, valid: 0, problems: [] });
  });

  it('accepts the documented example of every operation', async () => {
    const register = operations.get('registerDocument')!;
    const created = await call('POST', register.path, register.request!.example);
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/jdihn/v1/dokumen/perbup-2020-33');
    expect(created.body).toEqual(register.response!.example);
    matchesResponseSchema('registerDocument', created.body);

    const update = operations.get('updateDocument')!;
    const id = update.pathParams.id!.example as string;
    const updated = await call('PUT', `/dokumen/${id}`, update.request!.example);
    expect(updated.status).toBe(200);
    expect(updated.body).toEqual(update.response!.example);

    // The read's own example names the document the demo registers (test/developer-docs.test.ts reads it there).
    const got = await call('GET', `/dokumen/${id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id, version: 2, document: { status: 'tidak-berlaku' } });
    matchesResponseSchema('getDocument', got.body);

    const list = operations.get('listDocuments')!;
    const query = new URLSearchParams(Object.fromEntries(Object.entries(list.query).map(([name, spec]) => [name, String(spec.example)])));
    const listed = await call('GET', `/dokumen?${query.toString()}`);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({ count: 0, items: [] }); // the example asks for berlaku; the Perbup was just revoked
    const all = await call('GET', '/dokumen');
    expect(all.body).toMatchObject({ count: 1, items: [{ id, version: 2 }] });
    matchesResponseSchema('listDocuments', all.body);
  });

  it('refuses an invalid document with 422 and stores nothing', async () => {
    const before = (await feed()).headers.get('etag');
    const { title: _title, ...untitled } = monografi;
    const schemaViolation = await call('POST', '/dokumen', { ...untitled, promulgatedOn: '2023-02-30' });
    expect(schemaViolation.status).toBe(422);
    expect(schemaViolation.body).toMatchObject({ code: 'CONTRACT_VALIDATION_FAILED' });
    expect(schemaViolation.body.errors).toEqual(expect.arrayContaining([
      expect.objectContaining({ in: 'body', pointer: '/title' }),
      expect.objectContaining({ in: 'body', pointer: '/promulgatedOn' }),
    ]));

    const backwards = await call('POST', '/dokumen', { ...perbup, id: 'perbup-2020-99', enactedOn: '2020-08-01', year: 2021 });
    expect(backwards.status).toBe(422);
    expect(backwards.body).toMatchObject({
      code: 'CONTRACT_VALIDATION_FAILED',
      errors: [
        { in: 'body', pointer: '/promulgatedOn', message: 'must not be before enactedOn (2020-08-01)' },
        { in: 'body', pointer: '/year', message: 'must be the year of promulgatedOn (2020)' },
      ],
    });

    const otherId = await call('PUT', '/dokumen/perbup-2020-34', perbup);
    expect(otherId.status).toBe(422);
    expect(otherId.body.errors).toEqual([{ in: 'body', pointer: '/id', message: 'must equal the id in the path (perbup-2020-34)' }]);

    for (const id of ['monografi-2023-1', 'perbup-2020-99', 'perbup-2020-34']) {
      const absent = await call('GET', `/dokumen/${id}`);
      expect(absent.status).toBe(404);
      expect(absent.body).toMatchObject({ code: 'NOT_FOUND' });
    }
    expect((await call('GET', '/dokumen')).body).toMatchObject({ count: 1 });
    expect((await feed()).headers.get('etag')).toBe(before);
  });

  it('publishes registrations and updates: the harvester accepts every record and sees the update', async () => {
    expect((await call('POST', '/dokumen', monografi)).status).toBe(201);
    const perbup12 = { ...perbup, id: 'perbup-2024-12', number: '12', year: 2024, enactedOn: '2024-03-01', promulgatedOn: '2024-03-04', title: 'Peraturan Bupati Nomor 12 Tahun 2024 tentang Standar Data', source: 'Berita Daerah Tahun 2024 Nomor 12' };
    const createdByPut = await call('PUT', '/dokumen/perbup-2024-12', perbup12);
    expect(createdByPut).toMatchObject({ status: 201, body: { version: 1, created: true } });
    const renamed = await call('PUT', '/dokumen/perbup-2024-12', { ...perbup12, title: `${perbup12.title} dan Metadata` });
    expect(renamed).toMatchObject({ status: 200, body: { version: 2, created: false } });

    const report = await harvester.harvest();
    expect(report).toMatchObject({ status: 'ok', httpStatus: 200, records: 3, valid: 3, problems: [] });
    expect([...harvester.records.keys()]).toEqual(['perbup-2020-33', 'monografi-2023-1', 'perbup-2024-12']);
    expect(harvester.records.get('perbup-2024-12')!.judul).toBe('Peraturan Bupati Nomor 12 Tahun 2024 tentang Standar Data dan Metadata');
    expect(harvester.records.get('perbup-2020-33')!.status).toBe('Tidak Berlaku');
    expect(harvester.records.get('monografi-2023-1')).toEqual(fixture<JdihnRecord>('monografi.jdihn'));
  });

  it('answers a harvest that sends the ETag back with 304, which the harvester reports as not modified', async () => {
    const report = await harvester.harvest();
    expect(report).toMatchObject({ status: 'not-modified', httpStatus: 304, records: 3, valid: 3 });
    const etag = report.etag!;
    const direct = await feed({ headers: { 'if-none-match': etag } });
    expect(direct.status).toBe(304);
    expect(direct.text).toBe('');
  });

  it('changes the ETag after a PUT that changes a document, not after one that sends it again', async () => {
    const before = harvester.last!.etag!;
    const again = await call('PUT', '/dokumen/monografi-2023-1', monografi);
    expect(again).toMatchObject({ status: 200, body: { version: 1, created: false } });
    expect((await harvester.harvest()).status).toBe('not-modified');

    const revoked = await call('PUT', '/dokumen/monografi-2023-1', { ...monografi, status: 'tidak-berlaku' });
    expect(revoked).toMatchObject({ status: 200, body: { version: 2 } });
    const report = await harvester.harvest();
    expect(report).toMatchObject({ status: 'ok', httpStatus: 200, records: 3, valid: 3 });
    expect(report.etag).not.toBe(before);
    expect(harvester.records.get('monografi-2023-1')!.status).toBe('Tidak Berlaku');
  });

  it('serves HEAD, and refuses POST and DELETE on the feed with 405; other paths are 404', async () => {
    const head = await feed({ method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect(head.headers.get('etag')).toBe(harvester.last!.etag);
    for (const method of ['POST', 'DELETE']) {
      const res = await feed({ method });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD');
      expect(JSON.parse(res.text)).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
    }
    const other = await fetch(`${it_.harness.gateway.public!.url}/jdihn/other`);
    expect(other.status).toBe(404);
  });

  it('keeps the promise of an Idempotency-Key on a document POST the adapter answers from the store', async () => {
    const document: Record<string, unknown> = { ...(operations.get('registerDocument')!.request!.example as Record<string, unknown>), id: 'perbup-idempotent' };
    const key = { 'idempotency-key': 'jdih-register-perbup-idempotent' };
    const first = await call('POST', '/dokumen', document, undefined, key);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const repeat = await call('POST', '/dokumen', document, undefined, key);
    expect(repeat.status).toBe(201);
    expect(repeat.headers.get('idempotent-replayed')).toBe('true');
    expect(repeat.body).toEqual(first.body);
    const otherBody = await call('POST', '/dokumen', { ...document, title: `${String(document.title)} (diubah)` }, undefined, key);
    expect(otherBody.status).toBe(422);
    expect(otherBody.body).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    // Neither the repeat nor the refused one reached the store: still version 1, the first title.
    const stored = await call('GET', '/dokumen/perbup-idempotent');
    expect(stored.body).toMatchObject({ version: 1, document: { title: document.title } });
  });

  it('keeps the canonical API behind the SSO while the feed is public', async () => {
    expect((await call('GET', '/dokumen', undefined, null)).status).toBe(401);
    expect((await feed()).status).toBe(200);
  });

  it('records every feed call in the traffic log, listener public', async () => {
    const full = await fetch(feedUrl, { headers: { 'x-request-id': 'jdihn-harvest-full' } });
    await full.text();
    const conditional = await fetch(feedUrl, { headers: { 'x-request-id': 'jdihn-harvest-304', 'if-none-match': full.headers.get('etag')! } });
    expect(conditional.status).toBe(304);
    await it_.harness.flushTraffic();
    const [fullRow] = await trafficRows(it_.harness.gateway, 'jdihn-harvest-full');
    expect(fullRow).toMatchObject({ listener: 'public', method: 'GET', path: '/jdihn/integrasi', status: 200 });
    expect(Number(fullRow!.bytes_out)).toBeGreaterThan(100);
    const [conditionalRow] = await trafficRows(it_.harness.gateway, 'jdihn-harvest-304');
    expect(conditionalRow).toMatchObject({ listener: 'public', path: '/jdihn/integrasi', status: 304 });
  });

  it('keeps the client secret and document bodies out of the logs', async () => {
    await it_.harness.flushTraffic();
    expect(it_.harness.logs.lines.length).toBeGreaterThan(5);
    expect(it_.harness.logs.text).toContain('legal document stored');
    expect(it_.harness.logs.text).not.toContain(`${client}-secret-0123456789`);
    expect(it_.harness.logs.text).not.toContain('Tata Kelola Sistem Pemerintahan');
  });
});

/** An in-memory DocumentStore shared by two "gateway instances", counting the expensive calls. */
function memoryStore() {
  const rows = new Map<string, StoredDocument>();
  let revision = 0;
  const counts = { list: 0, revision: 0 };
  const store: DocumentStore = {
    get: <T>(_collection: string, key: string) => Promise.resolve((rows.get(key) as StoredDocument<T> | undefined) ?? null),
    put: (_collection, key, body) => {
      const version = (rows.get(key)?.version ?? 0) + 1;
      rows.set(key, { key, body, version, updatedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, revision)).toISOString() });
      revision++;
      return Promise.resolve({ created: version === 1, version, revision });
    },
    list: <T>() => {
      counts.list++;
      return Promise.resolve([...rows.values()] as StoredDocument<T>[]);
    },
    revision: () => {
      counts.revision++;
      return Promise.resolve(revision);
    },
  };
  return { store, counts };
}

describe('the feed cache', () => {
  const request = { method: 'GET' as const, path: '/jdihn/integrasi', headers: {} };

  it('renders once per revision, and shows a write made through another instance at the next harvest', async () => {
    const { store, counts } = memoryStore();
    const instanceA = feedRoute(store);
    const instanceB = feedRoute(store);
    await store.put('dokumen', perbup.id, perbup);
    const first = await instanceA.handle(request);
    const second = await instanceA.handle(request);
    expect(counts.list).toBe(1);
    expect(counts.revision).toBe(2);
    expect(second.body).toBe(first.body);
    expect(first.headers['last-modified']).toBe('Thu, 01 Jan 2026 00:00:00 GMT');

    await store.put('dokumen', monografi.id, monografi); // written through "instance B"
    await instanceB.handle(request);
    const third = await instanceA.handle(request);
    expect(counts.list).toBe(3);
    expect((JSON.parse(third.body.toString()) as JdihnRecord[]).map((r) => r.idData)).toEqual(['perbup-2020-33', 'monografi-2023-1']);
    expect(third.headers.etag).not.toBe(first.headers.etag);
    expect(third.headers['last-modified']).toBe('Thu, 01 Jan 2026 00:00:01 GMT');
  });

  it('renders once for a burst of concurrent harvests', async () => {
    const { store, counts } = memoryStore();
    await store.put('dokumen', perbup.id, perbup);
    const route = feedRoute(store);
    const answers = await Promise.all(Array.from({ length: 10 }, () => route.handle(request)));
    expect(counts.list).toBe(1);
    expect(new Set(answers.map((a) => a.headers.etag)).size).toBe(1);
  });

  it('gives the same ETag for the same bytes, whichever instance rendered them', async () => {
    const { store } = memoryStore();
    await store.put('dokumen', perbup.id, perbup);
    const [a, b] = await Promise.all([feedRoute(store).handle(request), feedRoute(store).handle(request)]);
    expect(a.headers.etag).toBe(b.headers.etag);
  });
});
