import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import { answerClientErrors } from './client-errors.ts';

/** A listening server with graceful drain: no new exchanges, in-flight ones finish, then close. */
export interface Listening {
  server: Server;
  url: string;
  inFlight(): number;
  drain(timeoutMs: number): Promise<void>;
}

export async function listen(server: Server, host: string, port: number): Promise<Listening> {
  answerClientErrors(server);
  let active = 0;
  let draining = false;
  server.prependListener('request', (req, res) => {
    active++;
    res.once('close', () => active--);
    if (draining) res.setHeader('connection', 'close');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address === '0.0.0.0' ? '127.0.0.1' : address.address;
  return {
    server,
    url: `${server instanceof TlsServer ? 'https' : 'http'}://${shownHost}:${address.port}`,
    inFlight: () => active,
    async drain(timeoutMs) {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = Date.now() + timeoutMs;
      while (active > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      server.closeAllConnections();
      await closed;
    },
  };
}
