/**
 * The sandbox upstream simulator (adapters/sandbox/simulator.ts) behind a recording front on a
 * fixed loopback port, so a chaos test can count what reached the upstream per request id, take
 * the "uplink" down and up again on the same port, and make the upstream slow.
 *
 *   const up = await startRecordingUpstream();
 *   up.down() / up.up()      // connections refused (and open ones destroyed) / back on the same port
 *   up.holdMs = 10_000       // the upstream acts at once (the simulator registers the letter) but answers late
 *   up.count(requestId)      // how many times that request reached the simulator
 *
 * A request is passed to the simulator as soon as it has arrived in full, even when the answer is
 * held: like a real department system, the upstream has acted on it whether or not the gateway
 * lives to read the answer. Loopback only; `close()` stops both servers.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startSandboxUpstream, type SandboxUpstream } from '../../adapters/sandbox/simulator.ts';

export interface Received {
  requestId: string;
  method: string;
  path: string;
  body: string;
  at: number;
}

export interface RecordingUpstream {
  /** Base URL with the `/api` path the sandbox contract's upstream takes. */
  readonly url: string;
  readonly simulator: SandboxUpstream;
  /** Every request the simulator was given, in order. */
  readonly received: Received[];
  /** Hold each answer this long after the simulator acted on the request. */
  holdMs: number;
  count(requestId: string): number;
  /** Resolves with the first request with this id (already received or arriving within the timeout). */
  waitFor(requestId: string, timeoutMs?: number): Promise<Received>;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

function forward(target: URL, req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, host: target.host, 'content-length': String(body.length) };
    const out = request(new URL(req.url ?? '/', target), { method: req.method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: { 'content-type': String(res.headers['content-type'] ?? 'application/json') }, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    out.on('error', reject);
    out.end(body);
  });
}

export async function startRecordingUpstream(): Promise<RecordingUpstream> {
  const simulator = await startSandboxUpstream();
  const target = new URL(`http://127.0.0.1:${simulator.port}`);
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  const held = new Set<NodeJS.Timeout>();
  let server: Server | undefined;
  let port = 0;

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      received.push({ requestId: String(req.headers['x-request-id'] ?? ''), method: req.method ?? '', path: req.url ?? '', body: body.toString('utf8'), at: performance.now() });
      const holdMs = upstream.holdMs;
      forward(target, req, body).then((answer) => {
        const send = () => {
          if (res.destroyed) return;
          res.writeHead(answer.status, { ...answer.headers, 'content-length': answer.body.length });
          res.end(answer.body);
        };
        if (holdMs <= 0) return send();
        const timer = setTimeout(() => {
          held.delete(timer);
          send();
        }, holdMs);
        held.add(timer);
      }, () => res.destroy());
    });
  };

  const listen = async () => {
    const next = createServer(handle);
    next.keepAliveTimeout = 60_000;
    next.on('connection', (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => resolve());
    });
    port = (next.address() as AddressInfo).port;
    server = next;
  };

  const stop = async () => {
    const current = server;
    server = undefined;
    for (const timer of held) clearTimeout(timer);
    held.clear();
    if (!current) return;
    const closed = new Promise<void>((resolve) => current.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };

  await listen();
  const upstream: RecordingUpstream = {
    url: `http://127.0.0.1:${port}/api`,
    simulator,
    received,
    holdMs: 0,
    count: (requestId) => received.filter((r) => r.requestId === requestId).length,
    async waitFor(requestId, timeoutMs = 5000) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const hit = received.find((r) => r.requestId === requestId);
        if (hit) return hit;
        if (performance.now() > deadline) throw new Error(`request ${requestId} did not reach the upstream within ${timeoutMs} ms`);
        await sleep(5);
      }
    },
    down: stop,
    async up() {
      if (!server) await listen();
    },
    async close() {
      await stop();
      await simulator.close();
    },
  };
  return upstream;
}
