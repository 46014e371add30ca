import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContractLoadError, loadContracts } from '../gateway/registry/load-contracts.ts';
import { describeAdapters, discoverAdapters } from '../adapters/index.ts';
import { bundledContracts, type Harness, letter, sandboxContracts, startHarness, tempDir } from './support/harness.ts';

/**
 * Issue 23, item 5: request headers that change what an upstream does (method override,
 * Forwarded, X-Real-IP, Via, Max-Forwards, URL rewrites, ...) stay at the gateway. Upstreams get
 * the headers of an allow-list, those the gateway sets itself, and those their contract permits
 * (`forwardHeaders`).
 */

/** Headers a caller could use to steer an upstream or spoof what the gateway says. */
const dangerous: Record<string, string> = {
  'x-http-method-override': 'DELETE',
  'x-http-method': 'DELETE',
  'x-method-override': 'DELETE',
  forwarded: 'for=10.0.0.1;proto=https;host=admin.internal',
  'x-real-ip': '10.0.0.1',
  'x-client-ip': '10.0.0.1',
  'true-client-ip': '10.0.0.1',
  via: '1.1 proxy.internal',
  'max-forwards': '0',
  'x-original-url': '/admin',
  'x-rewrite-url': '/admin',
  'x-forwarded-prefix': '/admin',
  'x-forwarded-server': 'admin.internal',
  'x-host': 'admin.internal',
  'x-caller-kept': 'yes',
  'x-tenant-id': 'dinas-lain',
  origin: 'https://evil.example',
};

/** Headers on the gateway's allow-list: what a request means to an HTTP server, not who sent it from where. */
const allowed: Record<string, string> = {
  accept: 'application/json',
  'accept-language': 'id-ID, en;q=0.5',
  'accept-encoding': 'identity',
  'cache-control': 'no-cache',
  'if-none-match': '"v1"',
  'if-modified-since': 'Tue, 01 Dec 2026 00:00:00 GMT',
  'user-agent': 'aplikasi-pd/1.0',
  prefer: 'return=minimal',
  tracestate: 'pd=00f067aa0ba902b7',
};

interface Echo { server: Server; url: string; seen: IncomingHttpHeaders[]; close(): Promise<void> }

/** An upstream that records the headers it gets and answers 201 to a POST, 200 otherwise. */
async function startEcho(): Promise<Echo> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    req.on('end', () => {
      res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' });
      res.end('{"kode":"2.16"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    seen,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The sandbox contract with `forwardHeaders` (and whatever else `edit` does), in a temp directory. */
function sandboxWith(edit: (yaml: string) => string): string {
  const dir = tempDir('contracts-');
  cpSync(sandboxContracts, join(dir, 'sandbox'), { recursive: true });
  const file = join(dir, 'sandbox', 'direktori.yaml');
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
  return dir;
}

const withForwardHeaders = (names: string) => (yaml: string) => yaml.replace('forwarding: passthrough', `forwarding: passthrough\nforwardHeaders: ${names}`);

describe('request headers towards a passthrough upstream', () => {
  let echo: Echo;
  let h: Harness;

  beforeAll(async () => {
    echo = await startEcho();
    h = await startHarness({ contractDirs: [sandboxContracts], config: { upstreams: { sandbox: { url: echo.url } } } });
  });
  afterAll(async () => {
    await h?.close();
    await echo?.close();
  });

  it('the upstream gets the allow-listed headers and the gateway\'s own, none of those that steer it', async () => {
    const res = await request(h.url)
      .get('/sandbox/v1/perangkat-daerah/2.16')
      .set('authorization', `Bearer ${await h.token('app-reader')}`)
      .set({ ...dangerous, ...allowed, 'x-request-id': 'req-headers-0001' });
    expect(res.status).toBe(200);
    const seen = echo.seen.at(-1)!;
    for (const name of Object.keys(dangerous)) expect(seen[name], name).toBeUndefined();
    for (const [name, value] of Object.entries(allowed)) expect(seen[name], name).toBe(value);
    expect(seen).toMatchObject({ 'x-request-id': 'req-headers-0001', 'x-penghubung-contract': 'sandbox-direktori', 'x-penghubung-consumer': 'app-reader', 'x-forwarded-proto': 'http' });
    expect(seen.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(seen.authorization).toBeUndefined();
  });

  it('also on a body the gateway read to validate: its own length, the caller\'s content type', async () => {
    const body = JSON.stringify(letter);
    const res = await request(h.url)
      .post('/sandbox/v1/surat')
      .set('authorization', `Bearer ${await h.token('app-writer')}`)
      .set({ ...dangerous, 'content-type': 'application/json; charset=utf-8', 'idempotency-key': 'k-0001' })
      .send(body);
    expect(res.status).toBe(201);
    const seen = echo.seen.at(-1)!;
    for (const name of Object.keys(dangerous)) expect(seen[name], name).toBeUndefined();
    expect(seen).toMatchObject({ 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), 'idempotency-key': 'k-0001' });
  });
});

describe('a contract permitting more request headers (forwardHeaders)', () => {
  let echo: Echo;
  let h: Harness;
  let adapters: Awaited<ReturnType<typeof describeAdapters>>;

  beforeAll(async () => {
    adapters = describeAdapters(await discoverAdapters());
    echo = await startEcho();
    h = await startHarness({ contractDirs: [sandboxWith(withForwardHeaders('[X-Tenant-Id, Accept-Charset]'))], config: { upstreams: { sandbox: { url: echo.url } } } });
  });
  afterAll(async () => {
    await h?.close();
    await echo?.close();
  });

  it('forwards the headers its contract names (any case), and still none of the others', async () => {
    const res = await request(h.url)
      .get('/sandbox/v1/perangkat-daerah/2.16')
      .set('authorization', `Bearer ${await h.token('app-reader')}`)
      .set({ ...dangerous, ...allowed, 'accept-charset': 'utf-8' });
    expect(res.status).toBe(200);
    const seen = echo.seen.at(-1)!;
    expect(seen['x-tenant-id']).toBe('dinas-lain');
    expect(seen['accept-charset']).toBe('utf-8');
    expect(seen.accept).toBe('application/json');
    for (const name of Object.keys(dangerous).filter((n) => n !== 'x-tenant-id')) expect(seen[name], name).toBeUndefined();
  });

  it('apply stores the names in lower case', () => {
    const [loaded] = loadContracts([sandboxWith(withForwardHeaders('[X-Tenant-Id, Accept-Charset]'))]);
    expect(loaded!.definition.forwardHeaders).toEqual(['x-tenant-id', 'accept-charset']);
    const [plain] = loadContracts([sandboxContracts]);
    expect(plain!.definition).not.toHaveProperty('forwardHeaders');
  });

  it('apply refuses names the gateway keeps or sets itself, hop-by-hop ones and names that are not header names', () => {
    for (const name of ['Authorization', 'cookie', 'Host', 'X-Forwarded-For', 'x-penghubung-consumer', 'traceparent', 'x-request-id', 'content-length', 'connection', 'transfer-encoding']) {
      const dir = sandboxWith(withForwardHeaders(`[${name}]`));
      expect(() => loadContracts([dir]), name).toThrow(ContractLoadError);
      try {
        loadContracts([dir]);
      } catch (error) {
        expect((error as Error).message, name).toMatch(new RegExp(`forwardHeaders.*${name.toLowerCase()}`, 'i'));
      }
    }
    expect(() => loadContracts([sandboxWith(withForwardHeaders('["x tenant"]'))])).toThrow(/forwardHeaders/);
  });

  it('apply refuses forwardHeaders on a contract an adapter forwards (it builds its upstream requests itself)', () => {
    const dir = tempDir('contracts-');
    cpSync(join(bundledContracts, 'lapor'), join(dir, 'lapor'), { recursive: true });
    const file = join(dir, 'lapor', 'sp4n-lapor.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('forwarding: lapor', 'forwarding: lapor\nforwardHeaders: [x-tenant-id]'));
    expect(() => loadContracts([dir], adapters)).toThrow(/forwardHeaders is for passthrough contracts/);
  });
});
