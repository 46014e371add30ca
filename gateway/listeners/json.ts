import type { ServerResponse } from 'node:http';

/** A whole JSON answer, never cached. Returns the bytes sent (for the traffic log). */
export function sendJson(res: ServerResponse, status: number, body: unknown): Buffer {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': bytes.length, 'cache-control': 'no-store' });
  res.end(bytes);
  return bytes;
}
