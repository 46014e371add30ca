import type { ServerResponse } from 'node:http';
import type { SigningKeys } from '../integrity/keys.ts';

export const jwksPath = '/.well-known/jwks.json';

/**
 * The gateway's public signing keys, current and retired (RFC 7517), on every listener: what a
 * partner verifies receipts against, offline. Not an exchange (no token, no traffic-log row), like
 * health. Five minutes in caches: a retired key stays published, so a cached copy only ever lacks
 * a key newer than itself, and a verifier that meets an unknown `kid` fetches again (as jose's
 * `createRemoteJWKSet` does).
 */
export function sendJwks(res: ServerResponse, keys: SigningKeys): void {
  const body = Buffer.from(JSON.stringify(keys.jwks()));
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length, 'cache-control': 'public, max-age=300' });
  res.end(body);
}
