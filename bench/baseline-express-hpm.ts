// The baseline of the design notes: a bare express 5 + http-proxy-middleware 4 reverse proxy,
// with the proxy options and keep-alive agent the gateway's forwarder used before it moved to undici,
// and nothing else (no token check, no validation, no logging, no traffic log).
// `node bench/baseline-express-hpm.ts --upstream http://127.0.0.1:PORT/api [--port N]`
// Prints {"pid", "url"} as one JSON line once listening.
import { Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';
import { exitWith, hello, helperOptions } from './helper.ts';

const options = helperOptions(['upstream', 'port']);
if (!options.upstream) throw new Error('--upstream is required');

const agent = new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 });
const app = express();
app.use(createProxyMiddleware({ target: options.upstream, changeOrigin: true, xfwd: true, agent }));

const server = app.listen(Number(options.port ?? 0), '127.0.0.1');
await new Promise<void>((resolve, reject) => {
  server.once('listening', resolve);
  server.once('error', reject);
});
server.keepAliveTimeout = 65_000;
exitWith(() => new Promise<void>((resolve) => {
  server.closeAllConnections();
  server.close(() => resolve());
  agent.destroy();
}));
hello({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
