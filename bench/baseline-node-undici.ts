// The floor a Node proxy starts from: a `node:http` server forwarding every request through an undici
// `Pool` with `pool.stream`, and nothing else (no routing, no token check, no validation, no logging,
// no traffic log). Method, path and the end-to-end headers go to the upstream (`host` becomes the
// upstream's, as undici sets it), the body is streamed both ways, the answer's status and end-to-end
// headers come back. The gateway's forwarder uses the same pool settings (256 keep-alive connections).
// `node bench/baseline-node-undici.ts --upstream http://127.0.0.1:PORT[/prefix] [--port N]`
// Prints {"pid", "url"} as one JSON line once listening.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { exitWith, hello, helperOptions } from './helper.ts';

const options = helperOptions(['upstream', 'port']);
if (!options.upstream) throw new Error('--upstream is required');
const upstream = new URL(options.upstream);
const prefix = upstream.pathname.replace(/\/$/, '');

/** Hop-by-hop headers (RFC 9110 §7.6.1) and `host`, `expect` (undici sets the one, refuses the other). */
const dropped = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host', 'expect']);

/** A message's end-to-end headers: all but the hop-by-hop ones and those its `connection` header names. */
function endToEnd(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const listed = headers.connection ? new Set(headers.connection.split(',').map((token) => token.trim().toLowerCase())) : undefined;
  const kept: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || dropped.has(name) || listed?.has(name)) continue;
    kept[name] = value;
  }
  return kept;
}

const pool = new Pool(upstream.origin, { connections: 256 });

function forward(req: IncomingMessage, res: ServerResponse): void {
  const length = req.headers['content-length'];
  const body = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0') ? req : null;
  pool.stream(
    { method: req.method as 'GET', path: prefix + (req.url ?? '/'), headers: endToEnd(req.headers), body, opaque: res },
    ({ statusCode, headers, opaque }) => {
      const answer = opaque;
      answer.writeHead(statusCode, endToEnd(headers));
      return answer;
    },
    (error) => {
      if (!error) return;
      if (res.headersSent) res.destroy(error);
      else res.writeHead(502, { 'content-type': 'text/plain' }).end('bad gateway\n');
    },
  );
}

const server = createServer({ keepAliveTimeout: 65_000 }, forward);
server.listen(Number(options.port ?? 0), '127.0.0.1');
await new Promise<void>((resolve, reject) => {
  server.once('listening', resolve);
  server.once('error', reject);
});
exitWith(() => new Promise<void>((resolve) => {
  server.closeAllConnections();
  server.close(() => void pool.destroy().then(() => resolve(), () => resolve()));
}));
hello({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
