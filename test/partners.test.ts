import { spawn } from 'node:child_process';
import { Agent, request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revoke } from '../certs/index.ts';
import { regionalDay } from '../gateway/partners/agreement-check.ts';
import { cliSource } from '../gateway/audit/audit.ts';
import { registerCertificate, upsertAgreement, upsertPartner, type Agreement } from '../gateway/registry/partners.ts';
import { startHarness, trafficRows, type Harness } from './support/harness.ts';
import { startPki, type ClientMaterial, type TestPki } from './support/pki.ts';

interface Answer { status: number; body: Record<string, unknown>; headers: Record<string, unknown> }

/** A command run without blocking the event loop (the gateway under test lives in this process). */
function run(command: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    child.stdin.end();
  });
}

/** One call with Node's https client and the given client certificate (or none). */
function call(url: string, pki: TestPki, client?: Pick<ClientMaterial, 'cert' | 'key'>, requestId?: string, agent: Agent | false = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca: pki.caPem, ...(client ? { cert: client.cert, key: client.key } : {}), agent, headers: requestId ? { 'x-request-id': requestId } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: res.headers });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const day = (offsetDays: number) => regionalDay(new Date(Date.now() + offsetDays * 86_400_000), 'Asia/Jakarta');
const agreement = (number: string, partnerId: string, overrides: Partial<Agreement> = {}): Agreement => ({
  number, title: `Perjanjian ${partnerId}`, partnerId, contracts: ['sandbox-direktori'], maxClassification: 'publik',
  validFrom: day(-30), validUntil: day(335), dailyQuota: 1000, status: 'active', ...overrides,
});

describe('the partner listener (mutual TLS under cooperation agreements)', () => {
  let h: Harness;
  let pki: TestPki;
  let otherPki: TestPki;
  const clients: Record<string, ClientMaterial> = {};
  let base: string;
  const path = '/sandbox/v1/perangkat-daerah/2.16';

  beforeAll(async () => {
    pki = await startPki();
    otherPki = await startPki('Some Other CA');
    h = await startHarness({
      config: {
        external: { enabled: true, host: '127.0.0.1', port: 0, tls: { cert: pki.server.certFile, key: pki.server.keyFile, clientCa: [pki.caFile], crl: [pki.crlFile] } },
        tlsReloadSeconds: 0.1,
      },
    });
    base = h.gateway.external!.url;
    for (const id of ['bpd', 'asuransi-expired', 'notaris-suspended', 'bandara-future', 'koperasi-none', 'revoked-later']) clients[id] = await pki.client(id);
    clients.unregistered = await pki.client('unregistered');
    clients.expiredCert = await pki.client('bpd', { notBefore: new Date(Date.now() - 400 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
    clients.foreign = await otherPki.client('bpd');
    const store = h.gateway.store;
    const partners = [['bpd', 'bank'], ['asuransi-expired', 'asuransi'], ['notaris-suspended', 'notaris'], ['bandara-future', 'bandara'], ['koperasi-none', 'pembiayaan'], ['revoked-later', 'bank']] as const;
    for (const [id, type] of partners) {
      await upsertPartner(store, { id, legalName: `PT ${id}`, type, contact: { email: `it@${id}.example` }, status: 'active' }, cliSource());
      await registerCertificate(store, 'partner', id, clients[id]!.cert, cliSource());
    }
    await registerCertificate(store, 'partner', 'bpd', clients.expiredCert.cert, cliSource());
    await registerCertificate(store, 'partner', 'bpd', clients.foreign.cert, cliSource());
    await upsertAgreement(store, agreement('PKS/001/BPD/2026', 'bpd', { contracts: ['sandbox-direktori', 'bkn-siasn'] }), cliSource());
    await upsertAgreement(store, agreement('PKS/002/ASR/2025', 'asuransi-expired', { validFrom: day(-400), validUntil: day(-1) }), cliSource());
    await upsertAgreement(store, agreement('PKS/003/NOT/2026', 'notaris-suspended', { status: 'suspended' }), cliSource());
    await upsertAgreement(store, agreement('PKS/004/BDR/2027', 'bandara-future', { validFrom: day(1) }), cliSource());
    await upsertAgreement(store, agreement('PKS/005/BPD/2026', 'revoked-later'), cliSource());
    await h.gateway.registry.refresh();
  }, 60_000);
  afterAll(() => h?.close());

  it('serves a registered partner under its agreement and logs partner, agreement and certificate', async () => {
    const res = await call(`${base}${path}`, pki, clients.bpd, 'partner-ok');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ kode: '2.16' });
    expect(h.upstream.lastRequest!.headers['x-penghubung-partner']).toBe('bpd');
    expect(h.upstream.lastRequest!.headers['x-penghubung-agreement']).toBe('PKS/001/BPD/2026');
    await h.flushTraffic();
    const [row] = await trafficRows(h.gateway, 'partner-ok');
    expect(row).toMatchObject({ listener: 'external', partner: 'bpd', agreement: 'PKS/001/BPD/2026', cert_fingerprint: clients.bpd!.fingerprint, status: 200, consumer: null });
  });

  it.each([
    ['no certificate', undefined, 401, 'CERTIFICATE_REQUIRED'],
    ['a certificate from another CA', 'foreign', 403, 'CERTIFICATE_UNTRUSTED'],
    ['an expired certificate', 'expiredCert', 403, 'CERTIFICATE_EXPIRED'],
    ['a valid but unregistered certificate', 'unregistered', 403, 'CERTIFICATE_NOT_REGISTERED'],
    ['an expired agreement', 'asuransi-expired', 403, 'AGREEMENT_EXPIRED'],
    ['a suspended agreement', 'notaris-suspended', 403, 'AGREEMENT_SUSPENDED'],
    ['an agreement not yet in force', 'bandara-future', 403, 'AGREEMENT_NOT_YET_VALID'],
    ['no agreement at all', 'koperasi-none', 403, 'NO_AGREEMENT'],
  ])('refuses %s with its own code, in the traffic log', async (_name, client, status, code) => {
    const requestId = `partner-${code.toLowerCase()}`;
    const res = await call(`${base}${path}`, pki, client ? clients[client] : undefined, requestId);
    expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
    await h.flushTraffic();
    const [row] = await trafficRows(h.gateway, requestId);
    expect(row).toMatchObject({ listener: 'external', status, error_code: code });
  });

  it('refuses a contract outside the agreement, and a classification above it', async () => {
    const outside = await call(`${base}/jdihn/v1/dokumen/perbup-2026-1`, pki, clients.bpd);
    expect({ status: outside.status, code: outside.body.code }).toEqual({ status: 403, code: 'CONTRACT_NOT_COVERED' });
    const above = await call(`${base}/bkn/v1/pegawai/198503302010011002`, pki, clients.bpd);
    expect({ status: above.status, code: above.body.code, agreement: above.body.agreement }).toEqual({ status: 403, code: 'CLASSIFICATION_DENIED', agreement: 'PKS/001/BPD/2026' });
  });

  it('lists in /openapi.json exactly what the partner\'s agreements in force cover', async () => {
    const res = await call(`${base}/openapi.json`, pki, clients.bpd);
    expect(res.status).toBe(200);
    const paths = Object.keys(res.body.paths as object).sort();
    expect(paths).toEqual(['/sandbox/v1/perangkat-daerah', '/sandbox/v1/perangkat-daerah/{kode}', '/sandbox/v1/surat']);
    expect((res.body.components as { securitySchemes: object }).securitySchemes).toHaveProperty('mutualTLS');
    const expired = await call(`${base}/openapi.json`, pki, clients['asuransi-expired']);
    expect(expired.body.paths).toEqual({});
  });

  it('applies agreement changes without restart', async () => {
    await upsertAgreement(h.gateway.store, agreement('PKS/001/BPD/2026', 'bpd', { contracts: ['sandbox-direktori', 'bkn-siasn'], status: 'suspended' }), cliSource());
    await h.gateway.registry.refresh();
    expect((await call(`${base}${path}`, pki, clients.bpd)).body.code).toBe('AGREEMENT_SUSPENDED');
    await upsertAgreement(h.gateway.store, agreement('PKS/001/BPD/2026', 'bpd', { contracts: ['sandbox-direktori', 'bkn-siasn'] }), cliSource());
    await h.gateway.registry.refresh();
    expect((await call(`${base}${path}`, pki, clients.bpd)).status).toBe(200);
  });

  it('refuses a certificate revoked while the gateway runs (CRL file reloaded), also on an open connection', async () => {
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1, ca: pki.caPem, cert: clients['revoked-later']!.cert, key: clients['revoked-later']!.key });
    const before = await call(`${base}${path}`, pki, clients['revoked-later'], undefined, keepAlive);
    expect(before.status).toBe(200);
    revoke(pki.dir, clients['revoked-later']!.serial);
    await new Promise((resolve) => setTimeout(resolve, 600)); // tlsReloadSeconds is 0.1 here
    const onOpenConnection = await call(`${base}${path}`, pki, clients['revoked-later'], 'partner-revoked-open', keepAlive);
    expect({ status: onOpenConnection.status, code: onOpenConnection.body.code }).toEqual({ status: 403, code: 'CERTIFICATE_REVOKED' });
    keepAlive.destroy();
    const res = await call(`${base}${path}`, pki, clients['revoked-later'], 'partner-revoked');
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 403, code: 'CERTIFICATE_REVOKED' });
    expect((await call(`${base}${path}`, pki, clients.bpd)).status).toBe(200);
    // Monitoring shows the revoked certificate is still registered, so ops unregister it too.
    const ops = { authorization: `Bearer ${await h.token('ops-console')}` };
    const listed = (await (await fetch(`${h.adminUrl}/admin/v1/certificates`, { headers: ops })).json()) as { items: { owner: string | null; revoked?: boolean }[] };
    expect(listed.items.find((c) => c.owner === 'revoked-later')?.revoked).toBe(true);
    expect(listed.items.find((c) => c.owner === 'koperasi-none')?.revoked).toBe(false);
    await h.flushTraffic();
    const traffic = (await (await fetch(`${h.adminUrl}/admin/v1/traffic?partner=revoked-later`, { headers: ops })).json()) as { items: { partner: string; errorCode: string | null }[] };
    expect(traffic.items.length).toBeGreaterThanOrEqual(3);
    expect(new Set(traffic.items.map((r) => r.partner))).toEqual(new Set(['revoked-later']));
    expect(traffic.items.filter((r) => r.errorCode === 'CERTIFICATE_REVOKED').length).toBe(2);
    const [row] = await trafficRows(h.gateway, 'partner-revoked');
    expect(row).toMatchObject({ partner: 'revoked-later', cert_fingerprint: clients['revoked-later']!.fingerprint, error_code: 'CERTIFICATE_REVOKED' });
  });

  it('counts the agreement\'s daily quota and refuses past it with QUOTA_EXCEEDED until local midnight', async () => {
    const quotaBank = await pki.client('quota-bank');
    await upsertPartner(h.gateway.store, { id: 'quota-bank', legalName: 'PT Quota', type: 'bank', contact: {}, status: 'active' }, cliSource());
    await registerCertificate(h.gateway.store, 'partner', 'quota-bank', quotaBank.cert, cliSource());
    await upsertAgreement(h.gateway.store, agreement('PKS/009/QB/2026', 'quota-bank', { dailyQuota: 2 }), cliSource());
    await h.gateway.registry.refresh();
    const first = await call(`${base}${path}`, pki, quotaBank);
    expect({ status: first.status, limit: first.headers['ratelimit-limit'], remaining: first.headers['ratelimit-remaining'] }).toEqual({ status: 200, limit: '2', remaining: '1' });
    expect((await call(`${base}${path}`, pki, quotaBank)).status).toBe(200);
    const third = await call(`${base}${path}`, pki, quotaBank);
    expect({ status: third.status, contentType: third.headers['content-type'] }).toEqual({ status: 429, contentType: 'application/problem+json' });
    expect(third.body).toEqual({
      type: 'https://penghubung.go.id/problems/quota-exceeded',
      title: 'Daily quota of the agreement used up',
      status: 429,
      detail: 'The 2 calls a day of PKS PKS/009/QB/2026 are used up.',
      instance: third.headers['x-request-id'],
      code: 'QUOTA_EXCEEDED',
      exchangeId: third.headers['penghubung-exchange-id'],
      agreement: 'PKS/009/QB/2026',
      quota: 2,
    });
    expect(third.body.instance).toMatch(/\S/);
    const retryAfter = Number(third.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(86_400);
  });

  it('works with curl --cert/--key/--cacert', async () => {
    const ok = await run('curl', ['-sS', '--cert', clients.bpd!.certFile, '--key', clients.bpd!.keyFile, '--cacert', pki.caFile, `${base}${path}`]);
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ kode: '2.16' });
    const without = await run('curl', ['-sS', '--cacert', pki.caFile, `${base}${path}`]);
    expect(JSON.parse(without.stdout)).toMatchObject({ code: 'CERTIFICATE_REQUIRED' });
  });

  it('offers TLS 1.2 suites with forward secrecy and AEAD only: no RSA key exchange, no CBC (openssl s_client)', async () => {
    const port = new URL(base).port;
    const handshake = (cipher: string) => run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_2', '-cipher', `${cipher}@SECLEVEL=0`, '-CAfile', pki.caFile, '-cert', clients.bpd!.certFile, '-key', clients.bpd!.keyFile]);
    const agreed = await handshake('ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256');
    expect(agreed.stdout).toMatch(/Cipher\s*:\s*ECDHE-(RSA|ECDSA)-AES128-GCM-SHA256/);
    // RSA key exchange (no forward secrecy), with GCM and with CBC; ECDHE with CBC.
    for (const refused of ['AES128-GCM-SHA256', 'AES128-SHA', 'ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES128-SHA', 'ECDHE-RSA-AES256-SHA384:ECDHE-ECDSA-AES256-SHA384']) {
      const answer = await handshake(refused);
      expect({ refused, status: answer.status }).toEqual({ refused, status: 1 });
      expect(answer.stdout).not.toMatch(/Cipher\s*:\s*[A-Z]/);
    }
  });

  it('speaks TLS 1.2 and 1.3 and refuses TLS 1.1 (openssl s_client)', async () => {
    const port = new URL(base).port;
    const handshake = (version: string) => run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, version, '-cipher', 'DEFAULT@SECLEVEL=0', '-CAfile', pki.caFile, '-cert', clients.bpd!.certFile, '-key', clients.bpd!.keyFile]);
    const tls12 = await handshake('-tls1_2');
    expect(tls12.stdout).toMatch(/Protocol\s*:\s*TLSv1\.2/);
    expect(tls12.stdout).toContain('Verify return code: 0 (ok)');
    expect((await handshake('-tls1_3')).stdout).toMatch(/TLSv1\.3/);
    const tls11 = await handshake('-tls1_1');
    expect(tls11.status).not.toBe(0);
    // The server answers a TLS 1.1 hello with alert 70 (protocol_version); no cipher is agreed.
    expect(tls11.stderr).toMatch(/alert protocol version/);
    expect(tls11.stdout).toContain('Cipher is (NONE)');
  });
});
