import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliSource } from '../gateway/audit/audit.ts';
import { registerCertificate } from '../gateway/registry/partners.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { startPki, type ClientMaterial, type TestPki } from './support/pki.ts';

/** internal.requireClientCert: a PD application needs its SSO token and its own registered certificate. */
describe('internal listener with requireClientCert', () => {
  let h: Harness;
  let pki: TestPki;
  let writerCert: ClientMaterial;
  let readerCert: ClientMaterial;

  beforeAll(async () => {
    pki = await startPki();
    h = await startHarness({
      config: { internal: { host: '127.0.0.1', port: 0, requireClientCert: true, tls: { cert: pki.server.certFile, key: pki.server.keyFile, clientCa: [pki.caFile], crl: [pki.crlFile] } } },
    });
    writerCert = await pki.client('app-writer');
    readerCert = await pki.client('app-reader');
    await registerCertificate(h.gateway.store, 'consumer', 'app-writer', writerCert.cert, cliSource());
    await registerCertificate(h.gateway.store, 'consumer', 'app-reader', readerCert.cert, cliSource());
    await h.gateway.registry.refresh();
  }, 60_000);
  afterAll(() => h?.close());

  const call = (token: string | null, client: ClientMaterial | null) => new Promise<{ status: number; code?: string }>((resolve, reject) => {
    httpsRequest(`${h.url}/sandbox/v1/perangkat-daerah/2.16`, {
      ca: pki.caPem, agent: false,
      ...(client ? { cert: client.cert, key: client.key } : {}),
      headers: token ? { authorization: `Bearer ${token}` } : {},
    }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, code: (JSON.parse(text) as { code?: string }).code }));
    }).on('error', reject).end();
  });

  it('serves HTTPS and lets a consumer in with its token and its own certificate', async () => {
    expect(h.url.startsWith('https://')).toBe(true);
    expect(await call(await h.token('app-writer'), writerCert)).toEqual({ status: 200, code: undefined });
  });

  it.each([
    ['a token without a certificate', 'app-writer', null, 401, 'CERTIFICATE_REQUIRED'],
    ['a token with another consumer\'s certificate', 'app-writer', 'reader', 403, 'CERTIFICATE_NOT_REGISTERED'],
    ['a certificate without a token', null, 'writer', 401, 'TOKEN_MISSING'],
  ])('refuses %s', async (_name, clientId, cert, status, code) => {
    const token = clientId ? await h.token(clientId) : null;
    const material = cert === 'reader' ? readerCert : cert === 'writer' ? writerCert : null;
    expect(await call(token, material)).toEqual({ status, code });
  });
});
