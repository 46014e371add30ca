import { createServer } from 'node:net';

/**
 * Asks the OS for a currently unused TCP port on `host` (listen on port 0,
 * read the port, close). Another process may grab the port before the caller
 * binds it, so callers that can should retry on EADDRINUSE.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  server.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') {
    throw new Error(`freePort: unexpected server address ${String(address)}`);
  }
  return address.port;
}
