/**
 * Helpers of the chaos and load tests: an upstream whose faults a test controls, passthrough
 * contracts pointing at it, a client that records how (and how fast) each request was answered,
 * and a traffic-log count per request id.
 *
 *   const up = await startChaosUpstream();
 *   up.delayMs = 1500;                  // slower than the contract's timeout
 *   up.fault = 'truncated';             // every answer from now on is cut off
 *   up.flap(3, 4, 'status-503');        // fail 3 of every 4 requests
 *   await up.kill(); await up.restart(); // gone (connections destroyed), back on the same port
 *   up.sideEffects                      // bodies of the POSTs it acted on
 *   const gone = await startUnreachableUpstream(); // connection attempts never answered
 *
 * Loopback only. Every server a test starts must be closed by it (`close()`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import type { Harness } from './harness.ts';

/** How the upstream answers a request. */
export type Fault =
  /** 200 (GET) or 201 (POST) with a small JSON body. */
  | 'none'
  /** A proper HTTP error answer with a JSON body. */
  | 'status-500'
  | 'status-503'
  /** The connection is destroyed without a byte of answer (a crash mid-request). */
  | 'reset'
  /** Bytes that are not HTTP, written on the raw socket, then the connection is closed. */
  | 'invalid-http'
  /** `200`, `Content-Length: 1000`, ten bytes of body, then the connection is destroyed. */
  | 'truncated'
  /** `200`, `Content-Length: 1000`, ten bytes of body, then nothing: the rest never comes. */
  | 'stall-body'
  /** `200`, `Content-Type: application/json`, and an HTML error page as the body. */
  | 'json-garbage';

export interface ChaosUpstream {
  /** Base URL with the `/api` path a contract's `upstream.url` takes. */
  readonly url: string;
  readonly port: number;
  /** Requests received in full (token requests of an adapter not counted). */
  hits: number;
  /** Bodies of the POST requests received: the upstream acted on each before answering. */
  readonly sideEffects: string[];
  /** Requests received whose answer is not written yet (delayed). */
  readonly inFlight: number;
  /** Delay before answering (after the request was received and acted on). */
  delayMs: number;
  /** The fault of every answer, unless a flap pattern is set. */
  fault: Fault;
  /** From the next request on: `fail` of every `of` requests answer with `fault`, the others normally. */
  flap(fail: number, of: number, fault: Fault): void;
  /** Answers normally again: no fault, no flapping, no delay. */
  heal(): void;
  /** Stops listening and destroys every connection, answered or not ("the process died"). */
  kill(): Promise<void>;
  /** Listens again on the same port. */
  restart(): Promise<void>;
  /** Waits until no answer is pending (a slow upstream finished its work). */
  idle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const garbagePage = '<html><body><h1>502 Bad Gateway</h1>nginx</body></html>';

export async function startChaosUpstream(): Promise<ChaosUpstream> {
  const pending = new Set<NodeJS.Timeout>();
  let server: Server | undefined;
  let port = 0;
  let served = 0;
  let flapping: { fail: number; of: number; fault: Fault; from: number } | undefined;

  const faultFor = (n: number): Fault => {
    if (!flapping) return upstream.fault;
    return (n - flapping.from) % flapping.of < flapping.fail ? flapping.fault : 'none';
  };

  const answer = (req: IncomingMessage, res: ServerResponse, fault: Fault, n: number): void => {
    const socket = req.socket;
    if (socket.destroyed) return;
    const json = (status: number, payload: unknown) => {
      const bytes = Buffer.from(JSON.stringify(payload));
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': bytes.length });
      res.end(bytes);
    };
    switch (fault) {
      case 'none':
        return json(req.method === 'POST' ? 201 : 200, { id: `item-${n}`, served: n });
      case 'status-500':
        return json(500, { message: 'internal error' });
      case 'status-503':
        return json(503, { message: 'service unavailable' });
      case 'reset':
        socket.destroy();
        return;
      case 'invalid-http':
        socket.end('SOMETHING WRONG\r\n\x00\x01\x02 not http at all\r\n\r\n');
        return;
      case 'truncated':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('{"id":"it', () => setTimeout(() => socket.destroy(), 5));
        return;
      case 'stall-body':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('{"id":"it');
        return;
      case 'json-garbage': {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(garbagePage) });
        res.end(garbagePage);
        return;
      }
    }
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      // An adapter's token request is not the traffic under test: always answered, never counted.
      if (req.method === 'POST' && req.url === '/oauth2/token') {
        const token = Buffer.from(JSON.stringify({ access_token: `chaos-token-${Date.now()}`, token_type: 'Bearer', expires_in: 3600 }));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': token.length });
        res.end(token);
        return;
      }
      const n = served++;
      upstream.hits++;
      if (req.method === 'POST') upstream.sideEffects.push(Buffer.concat(chunks).toString('utf8'));
      const fault = faultFor(n);
      if (upstream.delayMs <= 0) return answer(req, res, fault, n);
      const timer = setTimeout(() => {
        pending.delete(timer);
        answer(req, res, fault, n);
      }, upstream.delayMs);
      pending.add(timer);
    });
  };

  const listen = async (): Promise<void> => {
    const next = createServer(handle);
    next.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => resolve());
    });
    port = (next.address() as AddressInfo).port;
    server = next;
  };

  const stop = async (): Promise<void> => {
    const current = server;
    server = undefined;
    for (const timer of pending) clearTimeout(timer);
    pending.clear();
    if (!current) return;
    const closed = new Promise<void>((resolve) => current.close(() => resolve()));
    current.closeAllConnections();
    await closed;
  };

  await listen();
  const upstream: ChaosUpstream = {
    url: `http://127.0.0.1:${port}/api`,
    port,
    hits: 0,
    sideEffects: [],
    get inFlight() {
      return pending.size;
    },
    delayMs: 0,
    fault: 'none',
    flap(fail, of, fault) {
      flapping = { fail, of, fault, from: served };
    },
    heal() {
      flapping = undefined;
      upstream.fault = 'none';
      upstream.delayMs = 0;
    },
    kill: stop,
    restart: async () => {
      if (!server) await listen();
    },
    async idle(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (pending.size > 0) {
        if (Date.now() > deadline) throw new Error(`the chaos upstream still had ${pending.size} answers pending after ${timeoutMs} ms`);
        await sleep(20);
      }
    },
    close: stop,
  };
  return upstream;
}

/** An address whose connection attempts get no answer at all, as when a region's uplink drops. */
export interface UnreachableUpstream {
  /** Base URL with the `/api` path a contract's `upstream.url` takes. */
  readonly url: string;
  close(): Promise<void>;
}

// The listening socket lives in a worker whose event loop is then blocked, so nothing accepts:
// once the two held connections fill its accept queue (backlog 1), the kernel drops every further
// SYN, and a client's connect waits for its own timeout. No packet leaves the loopback interface.
const unacceptingListener = `
const { parentPort, workerData } = require('node:worker_threads');
const server = require('node:net').createServer();
server.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => {
  parentPort.postMessage(server.address().port);
  Atomics.wait(new Int32Array(workerData), 0, 0);
});`;

export async function startUnreachableUpstream(): Promise<UnreachableUpstream> {
  const release = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(unacceptingListener, { eval: true, workerData: release.buffer });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const held: Socket[] = [];
  for (let i = 0; i < 2; i++) {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    held.push(socket);
  }
  return {
    url: `http://127.0.0.1:${port}/api`,
    async close() {
      for (const socket of held) socket.destroy();
      Atomics.store(release, 0, 1);
      Atomics.notify(release, 0);
      await worker.terminate();
    },
  };
}

/** One request of a chaos run, as the client saw it. */
export interface Outcome {
  id: string;
  /** The status line's code; null when no status line arrived. */
  status: number | null;
  headers: IncomingHttpHeaders;
  body: string;
  /** The problem code of a problem+json answer. */
  code: string | undefined;
  /** The body arrived in full (false: the connection was cut after the status line, or no answer). */
  complete: boolean;
  /** A socket error or the client's own deadline, when there was one. */
  error: string | undefined;
  /** Milliseconds from sending to the end of the answer (or the cut). */
  ms: number;
}

export interface Send {
  id: string;
  path: string;
  method?: 'GET' | 'POST';
  token: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** The client gives up after this long (default 15 s): a request still unanswered then is a finding, not a hang. */
  deadlineMs?: number;
}

/** One request on its own connection, recording status, body, completeness and elapsed time. */
export function send(baseUrl: string, spec: Send): Promise<Outcome> {
  const url = new URL(spec.path, baseUrl);
  const payload = spec.body === undefined ? undefined : Buffer.from(JSON.stringify(spec.body));
  const headers: Record<string, string> = {
    authorization: `Bearer ${spec.token}`,
    'x-request-id': spec.id,
    ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
    ...spec.headers,
  };
  const clientDeadlineMs = spec.deadlineMs ?? 15_000;
  const started = performance.now();
  return new Promise<Outcome>((resolve) => {
    let settled = false;
    const outcome: Outcome = { id: spec.id, status: null, headers: {}, body: '', code: undefined, complete: false, error: undefined, ms: 0 };
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      outcome.ms = performance.now() - started;
      if (error) outcome.error = error;
      if (outcome.complete && /problem\+json/.test(String(outcome.headers['content-type']))) {
        try {
          outcome.code = (JSON.parse(outcome.body) as { code?: string }).code;
        } catch {
          // not JSON after all: leave the code undefined, the test sees the body
        }
      }
      resolve(outcome);
    };
    const req = request(url, { method: spec.method ?? 'GET', headers, agent: false }, (res) => {
      outcome.status = res.statusCode ?? null;
      outcome.headers = res.headers;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        outcome.body = Buffer.concat(chunks).toString('utf8');
        outcome.complete = !res.errored;
        finish();
      });
      res.on('error', (error: Error & { code?: string }) => {
        outcome.body = Buffer.concat(chunks).toString('utf8');
        finish(error.code ?? error.message);
      });
      res.on('close', () => {
        if (!res.complete) {
          outcome.body = Buffer.concat(chunks).toString('utf8');
          finish('cut after the status line');
        }
      });
    });
    const deadline = setTimeout(() => {
      finish(`no answer within ${clientDeadlineMs} ms`);
      req.destroy();
    }, clientDeadlineMs);
    req.on('error', (error: Error & { code?: string }) => finish(error.code ?? error.message));
    req.end(payload);
  });
}

/** Sends each request `spacingMs` after the previous one was sent (not answered), all in flight together. */
export async function sendSpaced(baseUrl: string, specs: Send[], spacingMs: number, during?: (index: number) => void | Promise<void>): Promise<Outcome[]> {
  const running: Promise<Outcome>[] = [];
  for (const [index, spec] of specs.entries()) {
    await during?.(index);
    running.push(send(baseUrl, spec));
    if (spacingMs > 0) await sleep(spacingMs);
  }
  return Promise.all(running);
}

/** How many traffic-log rows each request id has (after `h.flushTraffic()`); ids without rows get 0. */
export async function trafficCounts(h: Harness, ids: string[]): Promise<Record<string, number>> {
  await h.flushTraffic();
  const rows = await h.gateway.store.query<{ request_id: string; n: number }>(
    'select request_id, count(*)::int as n from traffic_log where request_id = any($1) group by request_id',
    [ids],
  );
  const counts: Record<string, number> = Object.fromEntries(ids.map((id) => [id, 0]));
  for (const row of rows) counts[row.request_id] = Number(row.n);
  return counts;
}

/** The traffic-log rows of the given ids: status and error code per request id. */
export async function trafficOutcomes(h: Harness, ids: string[]): Promise<Record<string, { status: number; code: string | null }>> {
  await h.flushTraffic();
  const rows = await h.gateway.store.query<{ request_id: string; status: number; error_code: string | null }>(
    'select request_id, status, error_code from traffic_log where request_id = any($1)',
    [ids],
  );
  return Object.fromEntries(rows.map((row) => [row.request_id, { status: Number(row.status), code: row.error_code }]));
}

/** `{ id: 1, ... }`: what `trafficCounts` must return when every request has exactly one row. */
export function oneEach(ids: string[]): Record<string, number> {
  return Object.fromEntries(ids.map((id) => [id, 1]));
}

export interface ChaosContract {
  /** Contract id, integration (the route prefix `/<name>/v1`) and upstream name. */
  name: string;
  upstreamUrl: string;
  timeoutMs: number;
  rate?: { rps: number; burst: number };
  breaker?: { errorThresholdPercentage?: number; volumeThreshold?: number; resetTimeoutMs?: number; rollingCountMs?: number };
  retries?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  maxConcurrent?: number;
  /** `createItem`'s Idempotency-Key: optional (default) or required. */
  idempotency?: 'optional' | 'required';
}

const itemExample = { text: 'surat masuk nomor 1' };

/**
 * Writes a passthrough contract under `dir/<name>/<name>.yaml` (JSON is YAML): `GET
 * /<name>/v1/items/{id}` (scope sandbox.read) and `POST /<name>/v1/items` (scope sandbox.write,
 * a JSON body `{ text }`), so the harness's test clients can call it.
 */
export function writeChaosContract(dir: string, contract: ChaosContract): void {
  const definition = {
    id: contract.name,
    integration: contract.name,
    version: '1.0.0',
    title: `Chaos test upstream ${contract.name}`,
    state: 'active',
    classification: 'publik',
    scopes: ['sandbox.read'],
    timeoutMs: contract.timeoutMs,
    upstream: { name: contract.name, url: contract.upstreamUrl, ...(contract.maxConcurrent ? { maxConcurrent: contract.maxConcurrent } : {}) },
    ...(contract.rate ? { limits: { rate: contract.rate } } : {}),
    ...(contract.breaker || contract.retries ? { resilience: { ...(contract.breaker ? { breaker: contract.breaker } : {}), ...(contract.retries ? { retries: contract.retries } : {}) } } : {}),
    forwarding: 'passthrough',
    operations: [
      {
        id: 'getItem',
        method: 'GET',
        path: '/items/{id}',
        parameters: { id: { schema: { type: 'string', pattern: '^[a-z0-9-]{1,40}$' }, example: 'item-1' } },
        response: { schema: { type: 'object' }, example: { id: 'item-1', served: 1 } },
      },
      {
        id: 'createItem',
        method: 'POST',
        path: '/items',
        scopes: ['sandbox.write'],
        ...(contract.idempotency ? { idempotency: contract.idempotency } : {}),
        request: {
          schema: { type: 'object', required: ['text'], additionalProperties: false, properties: { text: { type: 'string', minLength: 1, maxLength: 200 } } },
          example: itemExample,
        },
        response: { schema: { type: 'object' }, example: { id: 'item-1', served: 1 } },
      },
    ],
  };
  mkdirSync(join(dir, contract.name), { recursive: true });
  writeFileSync(join(dir, contract.name, `${contract.name}.yaml`), JSON.stringify(definition, null, 2));
}

/** Request ids of a run: `<prefix>-000`, `<prefix>-001`, ... */
export function requestIds(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);
}

export interface BreakerSnapshot {
  upstream: string;
  state: string;
  window: { calls: number; successes: number; failures: number; refused: number };
}

/** GET /admin/v1/upstreams: the breaker of one upstream (state and rolling window). */
export async function breakerSnapshot(h: Harness, upstream: string): Promise<BreakerSnapshot | undefined> {
  const res = await fetch(`${h.adminUrl}/admin/v1/upstreams`, { headers: { authorization: `Bearer ${await h.token('ops-console')}` } });
  const body = (await res.json()) as { items: BreakerSnapshot[] };
  return body.items.find((item) => item.upstream === upstream);
}

/** The breaker state of one upstream: closed, open or half-open. */
export async function breakerState(h: Harness, upstream: string): Promise<string | undefined> {
  return (await breakerSnapshot(h, upstream))?.state;
}
