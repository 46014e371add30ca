import { createHash } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, letter, sandboxContracts, startHarness, tempDir, trafficRows } from './support/harness.ts';

let h: Harness;
let writer: string;
let reader: string;

beforeAll(async () => {
  h = await startHarness({ config: { limits: { bodyBytes: 4096 } } });
  writer = await h.token('app-writer');
  reader = await h.token('app-reader');
});
afterAll(async () => {
  await h?.close();
});

function expectProblem(res: request.Response, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code, instance: res.headers['x-request-id'] });
  expect(res.body.type).toMatch(/^https:\/\//);
  expect(typeof res.body.title).toBe('string');
  expect(typeof res.body.detail).toBe('string');
  expect(res.text).not.toMatch(/<html|\bat .*\.ts:\d+/i);
}

describe('a valid exchange', () => {
  it('reaches the upstream and is written to the traffic log with every field', async () => {
    const body = JSON.stringify(letter);
    const res = await request(h.url)
      .post('/sandbox/v1/surat')
      .set('authorization', `Bearer ${writer}`)
      .set('content-type', 'application/json')
      .set('x-request-id', 'req-valid-0001')
      .set('traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')
      .send(body);
    expect(res.status).toBe(201);
    expect(res.body.nomorAgenda).toMatch(/\/SANDBOX\//);
    expect(res.headers['x-request-id']).toBe('req-valid-0001');
    // The upstream got the same bytes, the trace, the request id, and not the caller's token.
    const seen = h.upstream.lastRequest!;
    expect(seen.body).toBe(body);
    expect(seen.headers['x-request-id']).toBe('req-valid-0001');
    expect(seen.headers.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(seen.headers.traceparent).not.toContain('00f067aa0ba902b7');
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.headers['x-penghubung-consumer']).toBe('app-writer');

    await h.flushTraffic();
    const rows = await trafficRows(h.gateway, 'req-valid-0001');
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row).toMatchObject({
      listener: 'internal', consumer: 'app-writer', contract: 'sandbox-direktori', operation: 'registerLetter',
      method: 'POST', path: '/sandbox/v1/surat', status: 201, error_code: null,
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', client_address: '127.0.0.1',
    });
    expect(Number(row.bytes_in)).toBe(Buffer.byteLength(body));
    expect(Number(row.bytes_out)).toBe(Buffer.byteLength(res.text));
    expect(row.request_sha256).toBe(createHash('sha256').update(body).digest('hex'));
    expect(row.response_sha256).toBe(createHash('sha256').update(res.text).digest('hex'));
    expect(row.total_ms as number).toBeGreaterThan(0);
    expect(row.upstream_ms as number).toBeGreaterThan(0);
    expect(row.total_ms as number).toBeGreaterThanOrEqual(row.upstream_ms as number);
    // log.exchanges defaults to `errors`: a successful exchange is in the traffic log only.
    expect(h.logs.text).not.toContain('req-valid-0001');
  });

  it('generates a request id and a trace when the caller sends none', async () => {
    const res = await request(h.url).get('/sandbox/v1/perangkat-daerah/2.16').set('authorization', `Bearer ${reader}`);
    expect(res.status).toBe(200);
    expect(res.body.singkatan).toBe('Diskominfo');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(h.upstream.lastRequest!.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('keys the traffic log by time-ordered UUIDs (version 7), so its indexes grow at one edge', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await request(h.url).get('/sandbox/v1/perangkat-daerah/2.16').set('authorization', `Bearer ${reader}`);
      ids.push(res.headers['x-request-id'] as string);
      await new Promise((resolve) => setTimeout(resolve, 2)); // a new millisecond: its prefix moves on
    }
    const v7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(ids.every((id) => v7.test(id))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    // The first 48 bits are the Unix time in ms.
    expect(Math.abs(Number.parseInt(ids[0]!.replace('-', '').slice(0, 12), 16) - Date.now())).toBeLessThan(60_000);
    await h.gateway.traffic.flush();
    const logIds = await Promise.all(ids.map(async (id) => (await trafficRows(h.gateway, id))[0]!.log_id as string));
    expect(logIds.every((id) => v7.test(id))).toBe(true);
    expect([...logIds].sort()).toEqual(logIds);
  });

  it('passes query strings through and validates them', async () => {
    const ok = await request(h.url).get('/sandbox/v1/perangkat-daerah?q=dinas').set('authorization', `Bearer ${reader}`);
    expect(ok.status).toBe(200);
    expect(ok.body.data.length).toBeGreaterThan(1);
    expect(h.upstream.lastRequest!.url).toBe('/api/perangkat-daerah?q=dinas');
    const bad = await request(h.url).get('/sandbox/v1/perangkat-daerah?q=x').set('authorization', `Bearer ${reader}`);
    expectProblem(bad, 422, 'CONTRACT_VALIDATION_FAILED');
    expect(bad.body.errors).toEqual([{ in: 'query', pointer: '/q', message: 'must NOT have fewer than 2 characters' }]);
  });
});

describe('headers across the gateway', () => {
  it('the upstream gets the gateway\'s own forwarding headers, never the caller\'s, and no hop-by-hop headers either way', async () => {
    let seen: Record<string, string | string[] | undefined> = {};
    const echo: Server = createServer((req, res) => {
      seen = req.headers;
      // Keep-Alive and a header the Connection header names are for this hop only.
      res.writeHead(200, { 'content-type': 'application/json', connection: 'keep-alive, x-upstream-hop', 'keep-alive': 'timeout=5', 'x-upstream-hop': 'secret', 'x-upstream-kept': 'yes' });
      res.end('{"kode":"2.16"}');
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const upstreamHost = `127.0.0.1:${(echo.address() as AddressInfo).port}`;
    const own = await startHarness({ sso: h.sso, config: { upstreams: { sandbox: { url: `http://${upstreamHost}/api` } } } });
    try {
      const res = await request(own.url)
        .get('/sandbox/v1/perangkat-daerah/2.16')
        .set('authorization', `Bearer ${await own.token('app-reader')}`)
        .set('cookie', 'session=abc')
        .set('x-forwarded-for', '10.9.9.9')
        .set('x-forwarded-proto', 'https')
        .set('x-penghubung-partner', 'bank-palsu')
        .set('x-penghubung-consumer', 'someone-else')
        .set('connection', 'keep-alive, x-caller-hop')
        .set('x-caller-hop', 'secret')
        .set('x-caller-kept', 'yes')
        .set('accept-language', 'id');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ kode: '2.16' });
      expect(seen).toMatchObject({
        host: upstreamHost,
        'x-forwarded-proto': 'http',
        'x-penghubung-consumer': 'app-reader',
        'x-penghubung-contract': 'sandbox-direktori',
        'accept-language': 'id',
      });
      expect(seen['x-forwarded-for']).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
      expect(seen['x-forwarded-host']).toBe(new URL(own.url).host);
      // A header off the allow-list (docs/contracts.md, forwardHeaders) stays at the gateway.
      for (const name of ['authorization', 'cookie', 'x-penghubung-partner', 'x-caller-hop', 'x-caller-kept']) expect(seen[name], name).toBeUndefined();
      expect(res.headers['x-upstream-kept']).toBe('yes');
      expect(res.headers['x-upstream-hop']).toBeUndefined();
      expect(res.headers['keep-alive']).not.toBe('timeout=5');
    } finally {
      await own.close();
      echo.closeAllConnections();
      echo.close();
    }
  });
});

describe('refusals', () => {
  it('TOKEN_MISSING without a bearer token, also when the token is in the query string', async () => {
    expectProblem(await request(h.url).get('/sandbox/v1/perangkat-daerah'), 401, 'TOKEN_MISSING');
    expectProblem(await request(h.url).get(`/sandbox/v1/perangkat-daerah?access_token=${writer}`), 401, 'TOKEN_MISSING');
    expectProblem(await request(h.url).get('/sandbox/v1/perangkat-daerah').set('authorization', `Basic ${Buffer.from('a:b').toString('base64')}`), 401, 'TOKEN_MISSING');
  });

  it('TOKEN_INVALID for garbage', async () => {
    expectProblem(await request(h.url).get('/sandbox/v1/perangkat-daerah').set('authorization', 'Bearer not.a.jwt'), 401, 'TOKEN_INVALID');
  });

  it('CONSUMER_UNKNOWN for a valid token of an unregistered application', async () => {
    const stranger = await h.token('app-stranger');
    expectProblem(await request(h.url).get('/sandbox/v1/perangkat-daerah').set('authorization', `Bearer ${stranger}`), 403, 'CONSUMER_UNKNOWN');
  });

  it('SCOPE_DENIED lists the missing scopes, before anything reaches the upstream', async () => {
    const hits = h.upstream.hits;
    const res = await request(h.url).post('/sandbox/v1/surat').set('authorization', `Bearer ${reader}`).send(letter);
    expectProblem(res, 403, 'SCOPE_DENIED');
    expect(res.body.missingScopes).toEqual(['sandbox.write']);
    expect(h.upstream.hits).toBe(hits);
  });

  it('CONTRACT_NOT_FOUND for an unknown route or method, and masks personal ids in the pino log', async () => {
    const nip = '198503302010011002';
    const res = await request(h.url).get(`/simpeg-lama/v1/pegawai/${nip}`).set('authorization', `Bearer ${writer}`);
    expectProblem(res, 404, 'CONTRACT_NOT_FOUND');
    expectProblem(await request(h.url).delete('/sandbox/v1/perangkat-daerah/2.16').set('authorization', `Bearer ${writer}`), 404, 'CONTRACT_NOT_FOUND');
    await h.flushTraffic();
    const line = h.logs.lines.find((l) => l.includes(res.headers['x-request-id'] as string));
    expect(line).toBeDefined();
    expect(line).toContain('"status":404');
    expect(h.logs.text).not.toContain(nip);
  });

  it('CONTRACT_VALIDATION_FAILED lists each failing field and sends nothing upstream', async () => {
    const hits = h.upstream.hits;
    const res = await request(h.url)
      .post('/sandbox/v1/surat')
      .set('authorization', `Bearer ${writer}`)
      .send({ ...letter, tanggal: '20-11-2026', pengirim: { nama: 'X', email: 'not-an-email' }, sifat: 'kilat', extra: 1, nomor: undefined });
    expectProblem(res, 422, 'CONTRACT_VALIDATION_FAILED');
    const fields = (res.body.errors as { pointer: string; in: string }[]).map((e) => `${e.in}:${e.pointer}`).sort();
    expect(fields).toEqual(['body:/extra', 'body:/nomor', 'body:/pengirim/email', 'body:/sifat', 'body:/tanggal']);
    expect(h.upstream.hits).toBe(hits);
  });

  it('CONTRACT_VALIDATION_FAILED for a path parameter outside its pattern', async () => {
    const res = await request(h.url).get('/sandbox/v1/perangkat-daerah/abc').set('authorization', `Bearer ${reader}`);
    expectProblem(res, 422, 'CONTRACT_VALIDATION_FAILED');
    expect(res.body.errors[0]).toMatchObject({ in: 'path', pointer: '/kode' });
  });

  it('MALFORMED_JSON for a body that is not JSON', async () => {
    const res = await request(h.url).post('/sandbox/v1/surat').set('authorization', `Bearer ${writer}`).set('content-type', 'application/json').send('{"nomor": ');
    expectProblem(res, 400, 'MALFORMED_JSON');
  });

  it('UNSUPPORTED_MEDIA_TYPE for a validated operation called without JSON', async () => {
    const res = await request(h.url).post('/sandbox/v1/surat').set('authorization', `Bearer ${writer}`).set('content-type', 'text/plain').send('hello');
    expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('PAYLOAD_TOO_LARGE by declared length and by streamed length', async () => {
    const big = JSON.stringify({ ...letter, perihal: 'x'.repeat(5000) });
    expectProblem(await request(h.url).post('/sandbox/v1/surat').set('authorization', `Bearer ${writer}`).set('content-type', 'application/json').send(big), 413, 'PAYLOAD_TOO_LARGE');
    // Chunked, no Content-Length: counted while read.
    const chunked = await fetch(`${h.url}/sandbox/v1/surat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' },
      body: new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode(big)); c.close(); } }),
      duplex: 'half',
    });
    expect(chunked.status).toBe(413);
    expect(((await chunked.json()) as { code: string }).code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('upstream failures', () => {
  it('UPSTREAM_UNAVAILABLE when the upstream is down', async () => {
    const down = await startHarness({ sso: h.sso, config: { upstreams: { sandbox: { url: 'http://127.0.0.1:9/api' } } } });
    try {
      const res = await request(down.url).get('/sandbox/v1/perangkat-daerah/2.16').set('authorization', `Bearer ${await down.token('app-reader')}`);
      expectProblem(res, 502, 'UPSTREAM_UNAVAILABLE');
      expect(res.headers['retry-after']).toBeDefined();
      await down.flushTraffic();
      const [row] = await trafficRows(down.gateway, res.headers['x-request-id'] as string);
      expect(row).toMatchObject({ status: 502, error_code: 'UPSTREAM_UNAVAILABLE' });
    } finally {
      await down.close();
    }
  });

  it('UPSTREAM_TIMEOUT when the upstream is slower than the contract timeout', async () => {
    // An upstream that accepts and never answers.
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as AddressInfo).port;
    const slow = await startHarness({ sso: h.sso, config: { upstreams: { sandbox: { url: `http://127.0.0.1:${port}/api` } } }, contractDirs: [fastTimeoutContracts()] });
    try {
      const started = Date.now();
      const res = await request(slow.url).get('/sandbox/v1/perangkat-daerah/2.16').set('authorization', `Bearer ${await slow.token('app-reader')}`);
      expectProblem(res, 504, 'UPSTREAM_TIMEOUT');
      expect(Date.now() - started).toBeLessThan(5000);
      await slow.flushTraffic();
      const [row] = await trafficRows(slow.gateway, res.headers['x-request-id'] as string);
      expect(row).toMatchObject({ status: 504, error_code: 'UPSTREAM_TIMEOUT' });
      expect(row!.upstream_ms as number).toBeGreaterThanOrEqual(250);
    } finally {
      await slow.close();
      silent.closeAllConnections();
      silent.close();
    }
  });
});

/** The bundled sandbox contract with a 300 ms timeout, in a temp directory. */
function fastTimeoutContracts(): string {
  const dir = tempDir('contracts-');
  cpSync(sandboxContracts, join(dir, 'sandbox'), { recursive: true });
  const file = join(dir, 'sandbox', 'direktori.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace('timeoutMs: 5000', 'timeoutMs: 300'));
  return dir;
}
