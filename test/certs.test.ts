import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeCertificate, initCa, issueClient, issueServer, PkiError, pkiPaths, randomSerial, readIndex, type IssuedCertificate,
} from '../certs/index.ts';
import { openssl } from './support/openssl.ts';

const dayMs = 86_400_000;
const mode = (file: string) => statSync(file).mode & 0o777;

describe('certs: CA and issued certificates, checked by openssl', () => {
  let dir: string;
  let caCert: string;
  let server: IssuedCertificate;
  let client: IssuedCertificate;
  const text = (file: string) => openssl(['x509', '-in', file, '-noout', '-text']).out;

  beforeAll(async () => {
    dir = join(mkdtempSync(join(tmpdir(), 'certs-')), 'pki');
    await initCa(dir);
    caCert = pkiPaths(dir).caCert;
    server = await issueServer(dir, { sans: ['localhost', 'gw.penghubung.test', '127.0.0.1', '::1'] });
    client = await issueClient(dir, { partnerId: 'bank-contoh', legalName: 'PT Bank Contoh & Rekan Bérsama' });
  });

  afterAll(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

  it('makes a self-signed v3 CA: RSA 2048, SHA-256, basicConstraints cA and keyCertSign + cRLSign (both critical)', () => {
    const out = text(caCert);
    expect(out).toContain('Version: 3 (0x2)');
    expect(out).toContain('Public-Key: (2048 bit)');
    expect(out).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
    expect(out).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
    expect(out).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(out).toContain('Subject Key Identifier');
    expect(openssl(['verify', '-CAfile', caCert, caCert]).out).toContain(': OK');
  });

  it('issues a server certificate that openssl accepts for sslserver, with its SANs, serverAuth and the CA key id', () => {
    expect(openssl(['verify', '-CAfile', caCert, '-purpose', 'sslserver', server.certFile]).out).toContain(`${server.certFile}: OK`);
    const out = text(server.certFile);
    expect(out).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
    expect(out).toContain('DNS:localhost, DNS:gw.penghubung.test, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(out).toMatch(/Extended Key Usage:\s+TLS Web Server Authentication\n/);
    expect(out).toMatch(/Key Usage: critical\s+Digital Signature, Key Encipherment/);
    expect(out).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(out).not.toContain('CRL Distribution Points'); // only with a URL
    const caKeyId = /Subject Key Identifier:\s+([0-9A-F:]+)/.exec(text(caCert))?.[1];
    expect(caKeyId).toBeDefined();
    expect(out).toMatch(new RegExp(`Authority Key Identifier:\\s+(keyid:)?${caKeyId}`));
    // The EKU is enforced: a server certificate is no client certificate.
    expect(openssl(['verify', '-CAfile', caCert, '-purpose', 'sslclient', server.certFile]).out).toContain('unsuitable certificate purpose');
    expect(server.record.sans).toEqual(['DNS:localhost', 'DNS:gw.penghubung.test', 'IP:127.0.0.1', 'IP:::1']);
  });

  it('issues a partner client certificate for sslclient: clientAuth, CN = partner id, O = legal name (UTF-8 once)', () => {
    expect(openssl(['verify', '-CAfile', caCert, '-purpose', 'sslclient', client.certFile]).out).toContain(`${client.certFile}: OK`);
    const out = text(client.certFile);
    expect(out).toMatch(/Extended Key Usage:\s+TLS Web Client Authentication\n/);
    expect(out).toMatch(/Key Usage: critical\s+Digital Signature\n/);
    const subject = openssl(['x509', '-in', client.certFile, '-noout', '-subject', '-nameopt', 'utf8,sep_comma_plus_space']).out;
    expect(subject).toContain('subject=C=ID, O=PT Bank Contoh & Rekan Bérsama, CN=bank-contoh');
    const record = readIndex(dir).certificates.find((r) => r.serial === client.record.serial);
    expect(record).toMatchObject({ kind: 'client', partnerId: 'bank-contoh', commonName: 'bank-contoh', origin: 'generated', revokedAt: null });
    expect(record?.fingerprint256).toBe(describeCertificate(readFileSync(client.certFile, 'utf8')).fingerprint256);
    expect(openssl(['x509', '-in', client.certFile, '-noout', '-fingerprint', '-sha256']).out.replaceAll(':', '').toLowerCase())
      .toContain(record?.fingerprint256);
  });

  it('writes keys with mode 0600 and the PKI directories with 0700; the key matches the certificate', () => {
    const paths = pkiPaths(dir);
    expect(mode(paths.caKey)).toBe(0o600);
    expect(mode(server.keyFile!)).toBe(0o600);
    expect(mode(client.keyFile!)).toBe(0o600);
    for (const d of [paths.root, paths.caDir, paths.issuedDir]) expect(mode(d)).toBe(0o700);
    expect(readFileSync(client.keyFile!, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const modulus = (args: string[]) => openssl(args).out.trim();
    expect(modulus(['rsa', '-in', client.keyFile!, '-noout', '-modulus'])).toBe(modulus(['x509', '-in', client.certFile, '-noout', '-modulus']));
  });

  it('draws serials from 16 random bytes: positive, no padding octet, distinct, as openssl prints them', () => {
    const serials = Array.from({ length: 2000 }, randomSerial);
    expect(new Set(serials).size).toBe(serials.length);
    for (const serial of serials) expect(serial).toMatch(/^(0[1-9a-f]|[1-7][0-9a-f])[0-9a-f]{30}$/);
    const issued = [openssl(['x509', '-in', caCert, '-noout', '-serial']).out, openssl(['x509', '-in', server.certFile, '-noout', '-serial']).out];
    expect(issued[1]).toBe(`serial=${server.record.serial.toUpperCase()}\n`);
    expect(issued[0]).not.toBe(issued[1]);
    expect(server.record.serial).not.toBe(client.record.serial);
  });

  it('produces an already expired and a not yet valid certificate on request', async () => {
    const now = Date.now();
    const expired = await issueClient(dir, { partnerId: 'lama', notBefore: new Date(now - 30 * dayMs), notAfter: new Date(now - dayMs) });
    const future = await issueClient(dir, { partnerId: 'baru', notBefore: new Date(now + 10 * dayMs), days: 30 });
    expect(openssl(['verify', '-CAfile', caCert, expired.certFile]).out).toContain('certificate has expired');
    expect(openssl(['verify', '-CAfile', caCert, future.certFile]).out).toContain('certificate is not yet valid');
    expect(new Date(future.record.notAfter).getTime() - new Date(future.record.notBefore).getTime()).toBe(30 * dayMs);
  });

  it('honours --days, larger keys and a CRL distribution point URL', async () => {
    const issued = await issueServer(dir, { sans: ['DNS:api.penghubung.test'], days: 10, keySize: 3072, crlUrl: 'http://pki.penghubung.test/crl.pem' });
    const out = text(issued.certFile);
    expect(out).toContain('Public-Key: (3072 bit)');
    expect(out).toMatch(/CRL Distribution Points:\s+Full Name:\s+URI:http:\/\/pki\.penghubung\.test\/crl\.pem/);
    const days = (new Date(issued.record.notAfter).getTime() - Date.now()) / dayMs;
    expect(days).toBeGreaterThan(9.9);
    expect(days).toBeLessThanOrEqual(10);
  });

  it('refuses to replace an existing CA, a SAN that is neither DNS name nor IP, and a bad partner id', async () => {
    await expect(initCa(dir)).rejects.toThrow(/a CA already exists/);
    await expect(issueServer(dir, { sans: ['not a host'] })).rejects.toThrow(PkiError);
    await expect(issueServer(dir, { sans: [] })).rejects.toThrow(/at least one SAN/);
    await expect(issueClient(dir, { partnerId: '../etc' })).rejects.toThrow(/partner id/);
    await expect(issueClient(join(dir, 'elsewhere'), { partnerId: 'bank-x' })).rejects.toThrow(/no CA in .*init-ca/);
  });

  it('records every certificate when several are issued at once, and takes over a lock left by a crashed command', async () => {
    const lock = join(dir, '.lock');
    writeFileSync(lock, '12345\n');
    utimesSync(lock, new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));
    const issued = await Promise.all(['p1', 'p2', 'p3', 'p4'].map((partnerId) => issueClient(dir, { partnerId })));
    const serials = new Set(readIndex(dir).certificates.map((r) => r.serial));
    for (const cert of issued) expect(serials.has(cert.record.serial)).toBe(true);
    expect(existsSync(lock)).toBe(false);
  });

  it('keeps index.json readable JSON with one record per certificate, paths relative to the PKI directory', () => {
    const index = JSON.parse(readFileSync(pkiPaths(dir).index, 'utf8')) as { crlNumber: number; certificates: Array<{ certFile: string }> };
    expect(index.crlNumber).toBe(1);
    expect(index.certificates.length).toBe(9);
    for (const record of index.certificates) expect(record.certFile).toMatch(/^issued\/[0-9a-f]{32}\.cert\.pem$/);
  });
});
