import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProblemDocument } from '../gateway/errors/problem.ts';
import { regionalDay } from '../gateway/partners/agreement-check.ts';
import type { MonitoredCertificate } from '../gateway/partners/certificates-in-use.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { startPki, type ClientMaterial, type TestPki } from './support/pki.ts';

const adminClient = { clientId: 'admin-console', secret: 'admin-secret-0123456789', scopes: [], roles: ['penghubung-admin'] };
const day = (offset: number) => regionalDay(new Date(Date.now() + offset * 86_400_000), 'Asia/Jakarta');

describe('admin API: partners, certificates and agreements', () => {
  let h: Harness;
  let pki: TestPki;
  let client: ClientMaterial;
  let admin: Record<string, string>;
  let ops: Record<string, string>;

  beforeAll(async () => {
    pki = await startPki();
    h = await startHarness({
      clients: [adminClient],
      config: { external: { enabled: true, host: '127.0.0.1', port: 0, tls: { cert: pki.server.certFile, key: pki.server.keyFile, clientCa: [pki.caFile], crl: [pki.crlFile] } } },
    });
    client = await pki.client('bpd-sulsel');
    admin = { authorization: `Bearer ${await h.token('admin-console')}`, 'content-type': 'application/json' };
    ops = { authorization: `Bearer ${await h.token('ops-console')}`, 'content-type': 'application/json' };
  }, 60_000);
  afterAll(() => h?.close());

  const api = async <T = Partial<ProblemDocument>>(method: string, path: string, headers: Record<string, string>, body?: unknown) => {
    const res = await fetch(`${h.adminUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
  };
  const partnerCall = () => new Promise<number>((resolve, reject) => {
    httpsRequest(`${h.gateway.external!.url}/sandbox/v1/perangkat-daerah/2.16`, { ca: pki.caPem, cert: client.cert, key: client.key, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject).end();
  });

  it('onboards a partner end to end without restart: partner, certificate, agreement, first call', async () => {
    expect(await partnerCall()).toBe(403); // not registered yet
    const partner = await api('PUT', '/admin/v1/partners/bpd-sulsel', admin, { legalName: 'PT Bank Pembangunan Daerah Sulawesi Selatan', type: 'bank', contact: { email: 'it@bpd.example' } });
    expect(partner).toMatchObject({ status: 200, body: { id: 'bpd-sulsel', type: 'bank', status: 'active' } });
    const cert = await api('POST', '/admin/v1/partners/bpd-sulsel/certificates', { ...admin, 'content-type': 'text/plain' }, readFileSync(client.certFile, 'utf8'));
    expect(cert).toMatchObject({ status: 201, body: { fingerprint: client.fingerprint, ownerKind: 'partner', ownerId: 'bpd-sulsel' } });
    expect(await partnerCall()).toBe(403); // NO_AGREEMENT
    const pks = await api('PUT', `/admin/v1/agreements/${encodeURIComponent('PKS/07/BPD-SS/2026')}`, admin, {
      title: 'Layanan direktori', partnerId: 'bpd-sulsel', contracts: ['sandbox-direktori'], maxClassification: 'publik', validFrom: day(-1), validUntil: day(365), dailyQuota: 5000,
    });
    expect(pks).toMatchObject({ status: 200, body: { number: 'PKS/07/BPD-SS/2026', status: 'active', dailyQuota: 5000 } });
    expect(await partnerCall()).toBe(200);
    const listed = await api<{ items: unknown[] }>('GET', '/admin/v1/partners', ops);
    expect(listed.body.items[0]).toMatchObject({ id: 'bpd-sulsel', certificates: [{ fingerprint: client.fingerprint }], agreements: [{ number: 'PKS/07/BPD-SS/2026' }] });
  });

  it('lists every certificate in use with days left, soonest first, and filters by window', async () => {
    const all = await api<{ items: MonitoredCertificate[] }>('GET', '/admin/v1/certificates', ops);
    const roles = all.body.items.map((c: { role: string }) => c.role).sort();
    expect(roles).toEqual(['external-client-ca', 'external-server', 'partner']);
    for (const c of all.body.items) expect(c).toMatchObject({ subject: expect.any(String), issuer: expect.any(String), serial: expect.any(String), fingerprint256: expect.stringMatching(/^[0-9a-f]{64}$/), notAfter: expect.any(String), daysLeft: expect.any(Number) });
    const days = all.body.items.map((c: { daysLeft: number }) => c.daysLeft);
    expect(days).toEqual([...days].sort((a, b) => a - b));
    const soon = await api<{ items: MonitoredCertificate[] }>('GET', '/admin/v1/certificates?within=400', ops);
    expect(soon.body.items.map((c: { role: string }) => c.role).sort()).toEqual(['external-server', 'partner']); // the CA lives ten years
  });

  it.each([
    ['an unknown partner type', '/admin/v1/partners/x1', { legalName: 'X', type: 'casino' }, /not valid/],
    ['an agreement for an unknown partner', `/admin/v1/agreements/PKS-1`, { title: 'T1', partnerId: 'nobody', contracts: ['sandbox-direktori'], maxClassification: 'publik', validFrom: day(0), validUntil: day(1) }, /No partner nobody/],
    ['an agreement covering no active contract', `/admin/v1/agreements/PKS-2`, { title: 'T2', partnerId: 'bpd-sulsel', contracts: ['no-such-contract'], maxClassification: 'publik', validFrom: day(0), validUntil: day(1) }, /No active contract no-such-contract/],
    ['an agreement ending before it starts', `/admin/v1/agreements/PKS-3`, { title: 'T3', partnerId: 'bpd-sulsel', contracts: ['sandbox-direktori'], maxClassification: 'publik', validFrom: day(2), validUntil: day(1) }, /validUntil is before validFrom/],
  ])('refuses %s with BAD_REQUEST and stores nothing', async (_name, path, body, detail) => {
    const res = await api('PUT', path, admin, body);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('BAD_REQUEST');
    expect(JSON.stringify(res.body)).toMatch(detail);
  });

  it('lets a partner that is not a government body cover data above publik only with a recorded exception and its legal basis', async () => {
    const pks = (classification: string, exception?: object) => ({ title: 'Verifikasi', partnerId: 'bpd-sulsel', contracts: ['sandbox-direktori'], maxClassification: classification, validFrom: day(0), validUntil: day(30), ...(exception ? { classificationException: exception } : {}) });
    const refused = await api('PUT', '/admin/v1/agreements/PKS-NONPUBLIK-1', admin, pks('terbatas'));
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'AGREEMENT_EXCEPTION_REQUIRED', partnerType: 'bank', maxClassification: 'terbatas' });
    expect((await api('GET', '/admin/v1/audit?objectId=PKS-NONPUBLIK-1', ops)).body).toMatchObject({ items: [] });
    // A blank basis is no basis.
    expect((await api('PUT', '/admin/v1/agreements/PKS-NONPUBLIK-1', admin, pks('rahasia', { legalBasis: '          ' }))).body.code).toBe('AGREEMENT_EXCEPTION_REQUIRED');

    const legalBasis = 'Keputusan Bupati Nomor 100.3.3.2/45/2026';
    const allowed = await api('PUT', '/admin/v1/agreements/PKS-NONPUBLIK-1', admin, pks('terbatas', { legalBasis }));
    expect(allowed).toMatchObject({ status: 200, body: { maxClassification: 'terbatas', classificationException: { legalBasis } } });
    const audit = await api<{ items: { after: { classificationException: unknown } }[] }>('GET', '/admin/v1/audit?objectId=PKS-NONPUBLIK-1', ops);
    expect(audit.body.items[0]?.after.classificationException).toEqual({ legalBasis });

    // A government body needs none.
    await api('PUT', '/admin/v1/partners/bpn-kanwil', admin, { legalName: 'Kantor Wilayah BPN', type: 'instansi' });
    expect((await api('PUT', '/admin/v1/agreements/PKS-INSTANSI-1', admin, { ...pks('rahasia'), partnerId: 'bpn-kanwil' })).status).toBe(200);
  });

  it('refuses a PEM that is not a certificate, and a certificate already registered to another partner', async () => {
    expect((await api('POST', '/admin/v1/partners/bpd-sulsel/certificates', admin, { pem: 'hello' })).body.detail).toMatch(/not a PEM certificate/);
    await api('PUT', '/admin/v1/partners/other-bank', admin, { legalName: 'PT Other', type: 'bank' });
    const taken = await api('POST', '/admin/v1/partners/other-bank/certificates', admin, { pem: client.cert });
    expect(taken.status).toBe(400);
    expect(taken.body.detail).toContain('already registered to partner bpd-sulsel');
  });

  it('lets ops read but not change the registry', async () => {
    const res = await api('PUT', '/admin/v1/partners/x2', ops, { legalName: 'X2', type: 'bank' });
    expect(res).toMatchObject({ status: 403, body: { code: 'FORBIDDEN_ROLE' } });
  });

  it('unregisters a certificate: the partner is refused at its next call', async () => {
    expect((await api('DELETE', `/admin/v1/certificates/${client.fingerprint}`, admin)).status).toBe(204);
    expect(await partnerCall()).toBe(403);
    expect((await api('DELETE', `/admin/v1/certificates/${client.fingerprint}`, admin)).status).toBe(404);
  });
});
