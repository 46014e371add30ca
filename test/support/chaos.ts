/**
 * The client side of the chaos and load tests: a client that records how (and how fast) each
 * request was answered, passthrough contracts pointing at a chaos upstream (chaos-upstreams.ts),
 * and what the traffic log and the breakers show per request id.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import type { Harness } from './harness.ts';

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
  const rows = ids.length === 0 ? [] : await h.gateway.store.db.selectFrom('traffic_log')
    .select((eb) => ['request_id', eb.fn.countAll<number>().as('n')]).where('request_id', 'in', ids).groupBy('request_id').execute();
  const counts: Record<string, number> = Object.fromEntries(ids.map((id) => [id, 0]));
  for (const row of rows) counts[row.request_id] = Number(row.n);
  return counts;
}

/** The traffic-log rows of the given ids: status and error code per request id. */
export async function trafficOutcomes(h: Harness, ids: string[]): Promise<Record<string, { status: number; code: string | null }>> {
  await h.flushTraffic();
  const rows = ids.length === 0 ? [] : await h.gateway.store.db.selectFrom('traffic_log')
    .select(['request_id', 'status', 'error_code']).where('request_id', 'in', ids).execute();
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
