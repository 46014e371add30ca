import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SimRequest {
  method: string;
  /** Path without the query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export interface SimAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer | object;
}

export interface SimServer {
  url: string;
  port: number;
  /** Requests received per `METHOD /path`, for tests counting upstream calls. */
  hits: Map<string, number>;
  /** All requests received. */
  total(): number;
  close(): Promise<void>;
}

/**
 * The HTTP shell every simulator shares: reads the whole request, hands it to `handle`, writes the
 * answer (objects as JSON). Simulators keep their system's behaviour in `handle` and nothing else.
 */
export async function startSimServer(handle: (request: SimRequest) => SimAnswer | Promise<SimAnswer>, options: { host?: string; port?: number } = {}): Promise<SimServer> {
  const hits = new Map<string, number>();
  const write = (res: ServerResponse, answer: SimAnswer) => {
    const body = answer.body === undefined ? Buffer.alloc(0)
      : typeof answer.body === 'string' || Buffer.isBuffer(answer.body) ? Buffer.from(answer.body)
      : Buffer.from(JSON.stringify(answer.body));
    const headers: Record<string, string | number> = { 'content-length': body.length, ...answer.headers };
    if (answer.body !== undefined && typeof answer.body === 'object' && !Buffer.isBuffer(answer.body) && !answer.headers?.['content-type']) headers['content-type'] = 'application/json';
    res.writeHead(answer.status, headers);
    res.end(body);
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://simulator');
      const key = `${req.method} ${url.pathname}`;
      hits.set(key, (hits.get(key) ?? 0) + 1);
      Promise.resolve()
        .then(() => handle({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks) }))
        .then((answer) => write(res, answer), (error: Error) => write(res, { status: 500, body: { error: 'simulator fault', message: error.message } }));
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    port,
    hits,
    total: () => [...hits.values()].reduce((a, b) => a + b, 0),
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
