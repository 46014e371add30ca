import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initCa, inspectCsr, pkiPaths, readIndex, signCsr } from '../certs/index.ts';
import { openssl } from './support/openssl.ts';

/** A partner's CSR made the way the partner would, with openssl; returns the CSR PEM and the key file. */
function partnerCsr(work: string, name: string, newKey: string[], subject: string): { csr: string; keyFile: string } {
  const keyFile = join(work, `${name}.key`);
  const csrFile = join(work, `${name}.csr`);
  const run = openssl(['req', '-new', ...newKey, '-nodes', '-keyout', keyFile, '-out', csrFile, '-subj', subject]);
  expect(run.status, run.out).toBe(0);
  return { csr: readFileSync(csrFile, 'utf8'), keyFile };
}

/** Re-encodes a PEM CSR after changing its DER bytes. */
function tampered(pem: string, change: (der: Buffer) => void): string {
  const der = Buffer.from(forge.pem.decode(pem)[0]!.body, 'binary');
  change(der);
  return forge.pem.encode({ type: 'CERTIFICATE REQUEST', body: der.toString('binary') });
}

describe('certs sign-csr: the partner keeps its private key', () => {
  let dir: string;
  let work: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'certs-csr-'));
    dir = join(work, 'pki');
    await initCa(dir);
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('signs an openssl RSA 2048 CSR with the client profile; the certificate carries the CSR key and subject', () => {
    const { csr, keyFile } = partnerCsr(work, 'asuransi', ['-newkey', 'rsa:2048'], '/C=ID/O=PT Asuransi Contoh/CN=asuransi-contoh');
    const before = readdirSync(pkiPaths(dir).issuedDir).length;
    const issued = signCsr(dir, csr, { partnerId: 'asuransi-contoh' });
    const caCert = pkiPaths(dir).caCert;
    expect(openssl(['verify', '-CAfile', caCert, '-purpose', 'sslclient', issued.certFile]).out).toContain(': OK');
    const text = openssl(['x509', '-in', issued.certFile, '-noout', '-text']).out;
    expect(text).toContain('Subject: C = ID, O = PT Asuransi Contoh, CN = asuransi-contoh');
    expect(text).toMatch(/Extended Key Usage:\s+TLS Web Client Authentication/);
    expect(text).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
    expect(openssl(['x509', '-in', issued.certFile, '-noout', '-modulus']).out).toBe(openssl(['rsa', '-in', keyFile, '-noout', '-modulus']).out);
    // Only the certificate was written: no key file, and the record says so.
    expect(issued.keyFile).toBeUndefined();
    expect(readdirSync(pkiPaths(dir).issuedDir).length).toBe(before + 1);
    expect(readIndex(dir).certificates.find((r) => r.serial === issued.record.serial))
      .toMatchObject({ kind: 'client', partnerId: 'asuransi-contoh', origin: 'csr', commonName: 'asuransi-contoh' });
    expect(existsSync(join(dir, 'issued', `${issued.record.serial}.key.pem`))).toBe(false);
  });

  it('refuses an EC P-256 CSR, naming the node-forge limitation and the ways forward', () => {
    const { csr } = partnerCsr(work, 'ec', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], '/CN=bank-ec');
    const attempt = () => signCsr(dir, csr, { partnerId: 'bank-ec' });
    expect(attempt).toThrow(/EC \(ECDSA\) P-256/);
    expect(attempt).toThrow(/node-forge.*only issue certificates for RSA keys/);
    expect(attempt).toThrow(/RSA CSR.*rsa:2048.*BSrE/);
  });

  it('refuses a 1024-bit RSA CSR', () => {
    const { csr } = partnerCsr(work, 'weak', ['-newkey', 'rsa:1024'], '/CN=bank-lemah');
    expect(() => signCsr(dir, csr, { partnerId: 'bank-lemah' })).toThrow(/RSA 1024 bits; at least RSA 2048/);
  });

  it('refuses a CSR whose signature does not verify (altered signature or altered subject)', () => {
    const { csr } = partnerCsr(work, 'altered', ['-newkey', 'rsa:2048'], '/CN=bank-asli');
    expect(inspectCsr(csr).commonName).toBe('bank-asli');
    const badSignature = tampered(csr, (der) => der.writeUInt8(der.readUInt8(der.length - 1) ^ 0x01, der.length - 1));
    const otherSubject = tampered(csr, (der) => {
      const at = der.indexOf('bank-asli');
      der.write('bank-palu', at); // same length, so the DER stays well formed
    });
    expect(inspectCsr.bind(null, otherSubject)).toThrow(/signature does not verify/);
    for (const pem of [badSignature, otherSubject]) {
      expect(() => signCsr(dir, pem, { partnerId: 'bank-asli' })).toThrow(/the CSR signature does not verify/);
    }
  });

  it('refuses a CSR without CN, and something that is not a CSR', () => {
    const { csr } = partnerCsr(work, 'nocn', ['-newkey', 'rsa:2048'], '/O=PT Tanpa Nama');
    expect(() => signCsr(dir, csr, { partnerId: 'tanpa-nama' })).toThrow(/no common name \(CN\)/);
    expect(() => signCsr(dir, readFileSync(pkiPaths(dir).caCert, 'utf8'), { partnerId: 'x' })).toThrow(/not a PEM certificate request/);
  });
});
