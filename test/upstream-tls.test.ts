import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.ts';
import { startPki, type ClientMaterial, type TestPki } from './support/pki.ts';

const fixtures = (path: string) => fileURLToPath(new URL(`./fixtures/${path}`, import.meta.url));

/**
 * An upstream that wants mutual TLS (as a national gateway may): the adapter's client presents
 * the gateway's certificate from `upstreams.<name>.tls`, and the certificate is monitored.
 */
describe('mutual TLS towards an upstream', () => {
  let pki: TestPki;
  let gatewayCert: ClientMaterial;
  let upstream: Server;
  let h: Harness;
  const seen: string[] = [];

  beforeAll(async () => {
    pki = await startPki('Upstream CA');
    gatewayCert = await pki.client('penghubung-gateway');
    upstream = createServer({ cert: readFileSync(pki.server.certFile), key: readFileSync(pki.server.keyFile), ca: pki.caPem, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      seen.push(String((req.socket as TLSSocket).getPeerCertificate().subject?.CN));
      res.setHeader('content-type', 'application/json');
      if (req.url === '/oauth2/token') res.end(JSON.stringify({ access_token: 'tls-token', expires_in: 3600 }));
      else res.end(JSON.stringify({ ok: true, result: { rid: 'c-1', judul: 'lewat mTLS' } }));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const secrets = fixtures('secret.txt');
    h = await startHarness({
      contractDirs: [fixtures('contracts-catatan'), fixtures('contracts-catatan-passthrough')],
      clients: [{ clientId: 'app-catatan', secret: 'catatan-secret-0123456789', scopes: ['catatan.read'], consumer: { name: 'Catatan', department: 'Uji', clearance: 'publik' } }],
      upstreams: { 'catatan-upstream': { url: `https://127.0.0.1:${(upstream.address() as AddressInfo).port}`, credentials: { clientId: `file:${secrets}`, clientSecret: `file:${secrets}` }, tls: { cert: gatewayCert.certFile, key: gatewayCert.keyFile, ca: [pki.caFile] } } },
      config: { adapters: { directories: [fixtures('adapters')] } },
    });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    upstream?.close();
  });

  it('presents the gateway\'s client certificate to the upstream', async () => {
    const res = await fetch(`${h.url}/catatan/v1/catatan/c-1`, { headers: { authorization: `Bearer ${await h.token('app-catatan')}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: 'c-1', title: 'lewat mTLS' });
    expect(seen).toContain('penghubung-gateway');
  });

  it('presents it on passthrough calls too, where the upstream\'s answer reaches the caller as it is', async () => {
    seen.length = 0;
    const res = await fetch(`${h.url}/catatan-langsung/v1/catatan/c-1`, { headers: { authorization: `Bearer ${await h.token('app-catatan')}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, result: { rid: 'c-1', judul: 'lewat mTLS' } });
    expect(seen).toContain('penghubung-gateway');
  });

  it('lists that certificate among the certificates in use', async () => {
    const res = await fetch(`${h.adminUrl}/admin/v1/certificates`, { headers: { authorization: `Bearer ${await h.token('ops-console')}` } });
    const body = (await res.json()) as { items: { role: string; owner: string | null; fingerprint256: string }[] };
    expect(body.items).toContainEqual(expect.objectContaining({ role: 'upstream-client', owner: 'catatan-upstream', fingerprint256: gatewayCert.fingerprint }));
  });
});
