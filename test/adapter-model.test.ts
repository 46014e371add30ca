import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Credentials, Secret, defineSandbox } from '../gateway/adapter-api/index.ts';
import { startSimServer, type SimServer } from '../adapters/kit/sim-server.ts';
import { TokenCache } from '../adapters/kit/token-cache.ts';
import { startIntegration, type Integration } from './support/integration.ts';
import { asWritten, tempDir, trafficRows } from './support/harness.ts';
import { loadContracts } from '../gateway/registry/load-contracts.ts';
import { applyContracts } from '../gateway/registry/apply.ts';

const fixtures = (path: string) => fileURLToPath(new URL(`./fixtures/${path}`, import.meta.url));

describe('TokenCache', () => {
  it('fetches once for a burst of concurrent callers', async () => {
    let fetches = 0;
    const cache = new TokenCache(async () => {
      fetches++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { value: `t${fetches}`, expiresInSeconds: 3600 };
    });
    const tokens = await Promise.all(Array.from({ length: 25 }, () => cache.get()));
    expect(new Set(tokens)).toEqual(new Set(['t1']));
    expect(fetches).toBe(1);
  });

  it('refreshes ahead of expiry while callers keep the valid token, and waits once expired', async () => {
    let now = 0;
    let fetches = 0;
    const cache = new TokenCache(() => Promise.resolve({ value: `t${++fetches}`, expiresInSeconds: 100 }), { refreshAheadSeconds: 10, now: () => now });
    expect(await cache.get()).toBe('t1');
    now = 85_000; // before the refresh point
    expect(await cache.get()).toBe('t1');
    expect(fetches).toBe(1);
    now = 95_000; // inside the refresh window: old token served, new one fetched behind
    expect(await cache.get()).toBe('t1');
    await new Promise((resolve) => setImmediate(resolve));
    expect(fetches).toBe(2);
    expect(await cache.get()).toBe('t2');
    now = 500_000; // long expired: the caller waits for a fresh one
    expect(await cache.get()).toBe('t3');
  });

  it('drops only the token that was refused', async () => {
    let fetches = 0;
    const cache = new TokenCache(() => Promise.resolve({ value: `t${++fetches}`, expiresInSeconds: 3600 }));
    expect(await cache.get()).toBe('t1');
    cache.invalidate('t0'); // a stale refusal: the current token stays
    expect(await cache.get()).toBe('t1');
    cache.invalidate('t1');
    expect(await cache.get()).toBe('t2');
  });
});

describe('Credentials', () => {
  it('reads env and file references and never prints a value', async () => {
    const credentials = new Credentials('up', { a: 'env:UP_A', b: `file:${fixtures('secret.txt')}` }, { UP_A: 'alpha-value' });
    const a = await credentials.get('a');
    expect(a.reveal()).toBe('alpha-value');
    expect((await credentials.get('b')).reveal()).toBe('file-secret-value');
    // eslint-disable-next-line @typescript-eslint/restrict-template-expressions -- what a template literal prints is the point
    expect(`${a}`).toBe('[redacted]');
    expect(JSON.stringify({ a })).toBe('{"a":"[redacted]"}');
    expect(inspect(a)).not.toContain('alpha');
    expect(credentials.missing(['a', 'c'])).toEqual(['c']);
    await expect(credentials.get('c')).rejects.toThrow(/upstreams\.up\.credentials\.c/);
    expect(new Secret('x').toJSON()).toBe('[redacted]');
  });
});

/** The upstream of the test adapter: OAuth2 client credentials, records in an `ok`/`result` envelope. */
interface CatatanSim extends SimServer { issued: string[]; revoke(): void }
async function startCatatanSim(credentials: Record<string, string>): Promise<CatatanSim> {
  const issued: string[] = [];
  const valid = new Set<string>();
  const basic = `Basic ${Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`).toString('base64')}`;
  const server = await startSimServer((req) => {
    if (req.method === 'POST' && req.path === '/oauth2/token') {
      if (req.headers.authorization !== basic) return { status: 401, body: { error: 'invalid_client', error_description: 'Client authentication failed' } };
      const token = `tok-${issued.length + 1}`;
      issued.push(token);
      valid.add(token);
      return { status: 200, body: { access_token: token, token_type: 'Bearer', expires_in: 3600 } };
    }
    if (!valid.has((req.headers.authorization ?? '').replace('Bearer ', ''))) return { status: 401, body: { fault: 'expired' } };
    const id = req.path.split('/').pop();
    return id === 'c-1' ? { status: 200, body: { ok: true, result: { rid: 'c-1', judul: 'Catatan & <satu>' } } } : { status: 200, body: { ok: false, err: `record ${id} tidak ada` } };
  });
  return { ...server, issued, revoke: () => valid.clear() };
}

describe('an adapter that lives only under test/', () => {
  let it_: Integration<CatatanSim>;
  const sandbox = defineSandbox({
    upstream: 'catatan-upstream',
    demoPort: 0,
    credentials: ['clientId', 'clientSecret'],
    demoClients: [{ clientId: 'app-catatan', name: 'Catatan', department: 'Uji', clearance: 'publik', scopes: ['catatan.read'] }],
    start: ({ credentials }) => startCatatanSim(credentials),
  });

  beforeAll(async () => {
    it_ = await startIntegration(sandbox, ({ credentials }) => startCatatanSim(credentials), {
      contractDirs: [fixtures('contracts-catatan')],
      config: { adapters: { directories: [fixtures('adapters')] }, public: { enabled: true, host: '127.0.0.1', port: 0 }, log: { exchanges: 'all', level: 'debug' } },
    });
  });
  afterAll(() => it_?.close());

  const get = async (path: string) => {
    const res = await fetch(`${it_.harness.url}/catatan/v1${path}`, { headers: { authorization: `Bearer ${await it_.token('app-catatan')}` } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('is discovered from adapters.directories and maps both ways', async () => {
    const res = await get('/catatan/c-1');
    expect(res).toEqual({ status: 200, body: { id: 'c-1', title: 'Catatan & <satu>' } });
  });

  it('maps an envelope without a record to UPSTREAM_NOT_FOUND with the upstream\'s words', async () => {
    const res = await get('/catatan/c-2');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'UPSTREAM_NOT_FOUND', upstream: { system: 'Catatan', code: 'NOT_FOUND', message: 'record c-2 tidak ada' } });
  });

  it('shares one token fetch among concurrent calls, and refetches once when the upstream refuses it', async () => {
    const before = it_.sim.issued.length;
    const results = await Promise.all(Array.from({ length: 10 }, () => get('/catatan/c-1')));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(it_.sim.issued.length - before).toBe(0); // the token from the first test is still good
    it_.sim.revoke();
    const afterRevoke = await Promise.all(Array.from({ length: 5 }, () => get('/catatan/c-1')));
    expect(afterRevoke.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(it_.sim.issued.length - before).toBe(1);
  });

  it('publishes its feed on the public listener: ETag, 304, read-only, in the traffic log', async () => {
    const feedUrl = `${it_.harness.gateway.public!.url}/catatan/feed`;
    const first = await fetch(feedUrl, { headers: { 'x-request-id': 'feed-first' } });
    expect(first.status).toBe(200);
    expect(first.headers.get('etag')).toBe('"feed-1"');
    expect(await first.json()).toEqual([{ id: 'c-1' }]);
    const again = await fetch(feedUrl, { headers: { 'if-none-match': '"feed-1"' } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect((await fetch(feedUrl, { headers: { 'if-modified-since': 'Tue, 24 Nov 2026 00:00:00 GMT' } })).status).toBe(304);
    expect((await fetch(feedUrl, { headers: { 'if-modified-since': 'Mon, 23 Nov 2026 00:00:00 GMT' } })).status).toBe(200);
    // An entity tag that does not match wins over a date that would.
    expect((await fetch(feedUrl, { headers: { 'if-none-match': '"feed-0"', 'if-modified-since': 'Tue, 24 Nov 2026 00:00:00 GMT' } })).status).toBe(200);
    const post = await fetch(feedUrl, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(((await post.json()) as { code: string }).code).toBe('METHOD_NOT_ALLOWED');
    const missing = await fetch(`${it_.harness.gateway.public!.url}/catatan/other`);
    expect(((await missing.json()) as { code: string }).code).toBe('NOT_FOUND');
    // The internal API is not reachable through the public listener.
    expect((await fetch(`${it_.harness.gateway.public!.url}/catatan/v1/catatan/c-1`)).status).toBe(404);
    await it_.harness.flushTraffic();
    const [row] = await trafficRows(it_.harness.gateway, 'feed-first');
    expect(row).toMatchObject({ listener: 'public', status: 200, path: '/catatan/feed', consumer: null });
  });

  it('keeps the credentials out of every log line', async () => {
    await it_.harness.flushTraffic();
    expect(it_.harness.logs.lines.length).toBeGreaterThan(5);
    for (const value of Object.values(it_.credentials)) expect(it_.harness.logs.text).not.toContain(value);
    expect(it_.harness.logs.text).not.toContain('tok-');
  });

  // Last: it retires the contract.
  it('stops publishing the feed once no active contract uses the adapter', async () => {
    const dir = tempDir('contracts-');
    mkdirSync(join(dir, 'catatan'));
    const file = fixtures('contracts-catatan/catatan/catatan.yaml');
    writeFileSync(join(dir, 'catatan', 'catatan.yaml'), readFileSync(file, 'utf8').replace('state: active', 'state: retired'));
    const gateway = it_.harness.gateway;
    await applyContracts(gateway.store, loadContracts([dir], gateway.adapters.descriptors), asWritten);
    await gateway.registry.refresh();
    const res = await fetch(`${gateway.public!.url}/catatan/feed`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe('NOT_FOUND');
  });
});
