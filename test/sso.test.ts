import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, base64url, decodeJwt, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey, startSsoProvider, type SsoProvider } from '../gateway/demo/sso-provider.ts';
import { audience, startHarness, testClients, type Harness } from './support/harness.ts';

const route = '/sandbox/v1/perangkat-daerah/2.16';
let sso: SsoProvider;
let h: Harness;
let signingKey: JWK;

async function startSso(port: number, keys: JWK[]): Promise<SsoProvider> {
  return startSsoProvider({ port, audience, clients: testClients, keys });
}

beforeAll(async () => {
  signingKey = await generateSigningKey('key-2026-a');
  sso = await startSso(0, [signingKey]);
  h = await startHarness({ sso });
});
afterAll(async () => {
  await h?.close();
  await sso?.close();
});

/** A token signed by the SSO's own key, with claims chosen by the test. */
async function forge(claims: Record<string, unknown>, options: { key?: JWK; header?: Record<string, unknown> } = {}): Promise<string> {
  const key = options.key ?? signingKey;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ client_id: 'app-reader', scope: 'sandbox.read', ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: key.kid, ...options.header })
    .setIssuer((claims.iss as string | undefined) ?? sso.issuer)
    .setAudience((claims.aud as string | undefined) ?? audience)
    .setIssuedAt(now)
    .setExpirationTime((claims.exp as number | undefined) ?? now + 600)
    .sign(await importJWK(key, 'ES256'));
}

async function call(token: string) {
  return request(h.url).get(route).set('authorization', `Bearer ${token}`);
}

function segments(token: string): [string, string, string] {
  return token.split('.') as [string, string, string];
}

describe('tokens the gateway accepts', () => {
  it('a client-credentials token from the SSO', async () => {
    const res = await call(await sso.token('app-reader'));
    expect(res.status).toBe(200);
  });

  it('a token reused by its client pays a cache lookup, not a signature check', async () => {
    const token = await sso.token('app-reader');
    const { signatureChecks, cacheHits } = h.gateway.verifier;
    for (let i = 0; i < 3; i++) expect((await call(token)).status).toBe(200);
    expect(h.gateway.verifier.signatureChecks - signatureChecks).toBe(1);
    expect(h.gateway.verifier.cacheHits - cacheHits).toBe(2);
  });

  it('a token forged by the test with the SSO key and good claims (control for the attacks below)', async () => {
    expect((await call(await forge({}))).status).toBe(200);
  });
});

describe('JWT attacks', () => {
  it('alg none is refused', async () => {
    const [, payload] = segments(await forge({}));
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: signingKey.kid }));
    const res = await call(`${header}.${payload}.`);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('TOKEN_INVALID');
  });

  it('HS256 signed with the public key (as JWK JSON and as raw coordinates) is refused', async () => {
    const { d: _d, ...publicJwk } = signingKey;
    for (const secret of [JSON.stringify(publicJwk), `${publicJwk.x}${publicJwk.y}`]) {
      const token = await new SignJWT({ client_id: 'app-reader', scope: 'sandbox.read' })
        .setProtectedHeader({ alg: 'HS256', kid: signingKey.kid })
        .setIssuer(sso.issuer).setAudience(audience).setIssuedAt().setExpirationTime('10m')
        .sign(new TextEncoder().encode(secret));
      const res = await call(token);
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('TOKEN_INVALID');
    }
  });

  it('an expired token gets TOKEN_EXPIRED', async () => {
    const res = await call(await forge({ exp: Math.floor(Date.now() / 1000) - 60 }));
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('TOKEN_EXPIRED');
  });

  it('nbf in the future, wrong iss, wrong aud are refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const claims of [{ nbf: now + 300 }, { iss: 'http://127.0.0.1:1/evil' }, { aud: 'urn:someone-else' }]) {
      const res = await call(await forge(claims));
      expect(res.status, JSON.stringify(claims)).toBe(401);
      expect(res.body.code).toBe('TOKEN_INVALID');
    }
  });

  it('a tampered payload breaks the signature', async () => {
    const [header, payload, signature] = segments(await sso.token('app-reader'));
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    claims.scope = 'sandbox.read sandbox.write';
    const res = await call(`${header}.${base64url.encode(JSON.stringify(claims))}.${signature}`);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('TOKEN_INVALID');
  });

  it('keys offered in the header (jwk, jku, x5u) are never fetched or trusted', async () => {
    let fetched = 0;
    const attackerServer = createServer((_req, res) => {
      fetched++;
      res.end('{}');
    });
    await new Promise<void>((r) => attackerServer.listen(0, '127.0.0.1', r));
    const attackerUrl = `http://127.0.0.1:${(attackerServer.address() as AddressInfo).port}/jwks.json`;
    try {
      const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
      const attacker: JWK = { ...(await exportJWK(privateKey)), kid: signingKey.kid };
      const header = { jwk: await exportJWK(publicKey), jku: attackerUrl, x5u: attackerUrl };
      const res = await call(await forge({}, { key: attacker, header }));
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('TOKEN_INVALID');
      expect(fetched).toBe(0);
    } finally {
      attackerServer.close();
    }
  });

  it('tokens with unknown kids cause at most one JWKS fetch per cooldown', async () => {
    await new Promise((r) => setTimeout(r, 1100)); // let an earlier cooldown pass
    const before = h.gateway.verifier.jwksFetches;
    const forgedKeys = await Promise.all(Array.from({ length: 20 }, (_, i) => generateSigningKey(`flood-${i}`)));
    const results = await Promise.all(forgedKeys.map(async (key) => call(await forge({}, { key }))));
    expect(results.every((r) => r.status === 401 && r.body.code === 'TOKEN_INVALID')).toBe(true);
    expect(h.gateway.verifier.jwksFetches - before).toBe(1);
  });
});

describe('key rotation and SSO outages', () => {
  it('picks up a new signing key without restart, drops cached tokens of a retired key, and rides out an SSO outage', async () => {
    const oldToken = await sso.token('app-reader');
    expect((await call(oldToken)).status).toBe(200); // now cached

    // The SSO rotates: a new key signs, the old one is still published.
    const newKey = await generateSigningKey('key-2026-b');
    await sso.close();
    sso = await startSso(h.sso.port, [newKey, signingKey]);
    const newToken = await sso.token('app-reader');
    expect(decodeJwt(newToken).iss).toBe(h.sso.issuer);
    await new Promise((r) => setTimeout(r, 1100)); // past the unknown-kid cooldown
    expect((await call(newToken)).status).toBe(200);
    expect((await call(oldToken)).status).toBe(200);

    // The old key is retired: after the next refresh its tokens stop working, cached or not.
    const spareNewToken = await sso.token('app-reader');
    await sso.close();
    sso = await startSso(h.sso.port, [newKey]);
    await h.gateway.verifier.refresh();
    const refused = await call(oldToken);
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('TOKEN_INVALID');

    // The SSO goes down: known keys keep verifying tokens never seen before.
    await sso.close();
    await h.gateway.verifier.refresh();
    expect((await call(spareNewToken)).status).toBe(200);
    sso = await startSso(h.sso.port, [newKey]);
  });
});

describe('an SSO that is down when the gateway starts', () => {
  it('reports not ready, then serves once the SSO answers, without restart', async () => {
    const { freePort } = await import('./support/ports.ts');
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    // A stand-in with the SSO's address: nothing listens there yet.
    const absent: SsoProvider = { issuer, port, keys: [], token: () => Promise.resolve(''), close: () => Promise.resolve() };
    const late = await startHarness({ sso: absent, config: { sso: { issuer, audience, jwksCooldownSeconds: 0.2 } } });
    let lateSso: SsoProvider | undefined;
    try {
      const notReady = await request(late.adminUrl).get('/readyz');
      expect(notReady.status).toBe(503);
      expect(notReady.body.checks.sso.ok).toBe(false);

      lateSso = await startSso(port, [await generateSigningKey('late-key')]);
      await new Promise((r) => setTimeout(r, 300)); // past the unknown-kid cooldown
      const ok = await request(late.url).get(route).set('authorization', `Bearer ${await lateSso.token('app-reader')}`);
      expect(ok.status).toBe(200);
      expect((await request(late.url).get('/readyz')).status).toBe(200);
    } finally {
      await late.close();
      await lateSso?.close();
    }
  });
});
