/**
 * Upstreams whose faults a chaos test controls, and an address that never answers.
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
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';

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
