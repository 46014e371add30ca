import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  initCa, issueClient, issueServer, parseCrl, pkiPaths, readIndex, refreshCrl, revoke, type IssuedCertificate,
} from '../certs/index.ts';
import { openssl } from './support/openssl.ts';

const dayMs = 86_400_000;

/** A real mutual TLS handshake against a server that checks the CRL; returns how the server judged the client. */
async function handshake(server: IssuedCertificate, ca: string, crl: string, client: IssuedCertificate): Promise<{ authorized: boolean; error: string | null }> {
  const judged: Array<{ authorized: boolean; error: string | null }> = [];
  const listener = tls.createServer({
    cert: server.certificatePem, key: server.privateKeyPem, ca, crl, requestCert: true, rejectUnauthorized: false,
  }, (socket) => {
    judged.push({ authorized: socket.authorized, error: socket.authorizationError ? String(socket.authorizationError) : null });
    socket.end('ok');
  });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  try {
    const socket = tls.connect({
      host: '127.0.0.1', port: (listener.address() as AddressInfo).port, servername: 'localhost', ca,
      cert: client.certificatePem, key: client.privateKeyPem,
    });
    await once(socket, 'secureConnect');
    socket.resume();
    await once(socket, 'end');
    socket.destroy();
  } finally {
    listener.close();
  }
  return judged[0]!;
}

describe('certs revoke and the CRL', () => {
  let dir: string;
  let caPem: string;
  let revoked: IssuedCertificate;
  let kept: IssuedCertificate;
  let server: IssuedCertificate;
  const paths = () => pkiPaths(dir);
  const crlPem = () => readFileSync(paths().crl, 'utf8');

  beforeAll(async () => {
    dir = join(mkdtempSync(join(tmpdir(), 'certs-crl-')), 'pki');
    await initCa(dir);
    caPem = readFileSync(paths().caCert, 'utf8');
    server = await issueServer(dir, { sans: ['localhost', '127.0.0.1'] });
    revoked = await issueClient(dir, { partnerId: 'bank-dicabut' });
    kept = await issueClient(dir, { partnerId: 'bank-aktif' });
  });

  afterAll(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

  it('writes an empty, signed v2 CRL when the CA is created (openssl verifies it)', () => {
    const out = openssl(['crl', '-in', paths().crl, '-CAfile', paths().caCert, '-noout', '-text']).out;
    expect(out).toContain('verify OK');
    expect(out).toContain('Version 2 (0x1)');
    expect(out).toContain('No Revoked Certificates.');
    expect(out).toMatch(/CRL Number:\s+1\n/);
    expect(parseCrl(crlPem(), { caCertificatePem: caPem })).toMatchObject({ crlNumber: 1n, revoked: [] });
  });

  it('revokes by serial: the CRL is signed by the CA, lists the serial and reason, and openssl verify -crl_check refuses only that one', () => {
    const result = revoke(dir, revoked.record.serial, { reason: 'keyCompromise' });
    expect(result).toMatchObject({ alreadyRevoked: false, crl: { crlNumber: 2 } });
    const out = openssl(['crl', '-in', paths().crl, '-CAfile', paths().caCert, '-noout', '-text']).out;
    expect(out).toContain('verify OK');
    expect(out).toContain(`Serial Number: ${revoked.record.serial.toUpperCase()}`);
    expect(out).toMatch(/CRL Reason Code:\s+Key Compromise/);
    expect(out).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
    expect(out).toMatch(/Authority Key Identifier/);
    const verify = (file: string) => openssl(['verify', '-crl_check', '-CRLfile', paths().crl, '-CAfile', paths().caCert, file]).out;
    expect(verify(revoked.certFile)).toContain('certificate revoked');
    expect(verify(kept.certFile)).toContain(`${kept.certFile}: OK`);
    expect(readIndex(dir).certificates.find((r) => r.serial === revoked.record.serial)).toMatchObject({ revocationReason: 'keyCompromise' });
  });

  it('parseCrl returns the revoked serials, reasons, thisUpdate/nextUpdate (7 days) and checks the signature', () => {
    const crl = parseCrl(crlPem(), { caCertificatePem: caPem });
    expect(crl.revokedSerials).toEqual(new Set([revoked.record.serial]));
    expect(crl.revoked[0]).toMatchObject({ serial: revoked.record.serial, reason: 'keyCompromise' });
    expect(crl.nextUpdate!.getTime() - crl.thisUpdate.getTime()).toBe(7 * dayMs);
    expect(crl.signatureAlgorithm).toBe('1.2.840.113549.1.1.11');
  });

  it('parseCrl refuses a CRL altered after signing and one checked against another CA', async () => {
    const pem = crlPem();
    const block = pem.split('\n').filter((line) => !line.startsWith('-----')).join('');
    const der = Buffer.from(block, 'base64');
    const at = der.indexOf(Buffer.from(revoked.record.serial, 'hex'));
    der.writeUInt8(der.readUInt8(at + 15) ^ 0x01, at + 15); // another serial: the revocation would "move"
    const altered = `-----BEGIN X509 CRL-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END X509 CRL-----\n`;
    expect(parseCrl(altered).revokedSerials.has(revoked.record.serial)).toBe(false); // parseable, but ...
    expect(() => parseCrl(altered, { caCertificatePem: caPem })).toThrow(/signature does not verify/);
    const otherDir = join(dir, '..', 'other');
    await initCa(otherDir, { commonName: 'Penghubung Dev CA' });
    expect(() => parseCrl(pem, { caCertificatePem: readFileSync(pkiPaths(otherDir).caCert, 'utf8') })).toThrow(/signature does not verify/);
    await initCa(join(dir, '..', 'third'), { commonName: 'CA Lain' });
    expect(() => parseCrl(pem, { caCertificatePem: readFileSync(pkiPaths(join(dir, '..', 'third')).caCert, 'utf8') })).toThrow(/issuer is not the subject/);
  });

  it('parseCrl also reads and verifies a CRL made by openssl for an ECDSA P-256 CA (a foreign CA such as BSrE)', () => {
    const ec = join(dir, '..', 'ec-ca');
    mkdirSync(ec);
    const run = (args: string[]) => {
      const result = spawnSync('openssl', args, { encoding: 'utf8', cwd: ec });
      expect(result.status, result.stderr).toBe(0);
    };
    writeFileSync(join(ec, 'ca.cnf'), '[ca]\ndefault_ca = dev\n[dev]\ndatabase = index.txt\ncrlnumber = crlnumber\ndefault_md = sha256\ndefault_crl_days = 3\n');
    writeFileSync(join(ec, 'index.txt'), '');
    writeFileSync(join(ec, 'crlnumber'), '1000\n');
    run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', '/C=ID/O=CA Lain/CN=Mitra Root EC']);
    run(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=leaf']);
    // A serial with the top bit set: DER pads it with 0x00, which parseCrl must not keep.
    run(['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', '0xc0ffee01', '-days', '10', '-out', 'leaf.pem']);
    run(['ca', '-config', 'ca.cnf', '-keyfile', 'ca.key', '-cert', 'ca.pem', '-revoke', 'leaf.pem', '-crl_reason', 'superseded']);
    run(['ca', '-config', 'ca.cnf', '-keyfile', 'ca.key', '-cert', 'ca.pem', '-gencrl', '-out', 'crl.pem']);
    const crl = parseCrl(readFileSync(join(ec, 'crl.pem'), 'utf8'), { caCertificatePem: readFileSync(join(ec, 'ca.pem'), 'utf8') });
    expect(crl).toMatchObject({ crlNumber: 0x1000n, signatureAlgorithm: '1.2.840.10045.4.3.2', revoked: [{ serial: 'c0ffee01', reason: 'superseded' }] });
    expect(crl.nextUpdate!.getTime() - crl.thisUpdate.getTime()).toBe(3 * dayMs);
    expect(() => parseCrl(readFileSync(join(ec, 'crl.pem'), 'utf8'), { caCertificatePem: caPem })).toThrow(/issuer is not the subject/);
  });

  it('Node TLS takes the CRL: a handshake with the revoked client is refused, the other is authorized', async () => {
    expect(() => tls.createSecureContext({ ca: caPem, crl: crlPem() })).not.toThrow();
    expect(await handshake(server, caPem, crlPem(), kept)).toEqual({ authorized: true, error: null });
    expect(await handshake(server, caPem, crlPem(), revoked)).toEqual({ authorized: false, error: 'CERT_REVOKED' });
  });

  it('increases the CRL number on every CRL; revoking twice changes nothing; revoking by file checks it is the recorded certificate', async () => {
    const again = revoke(dir, revoked.record.serial.toUpperCase());
    expect(again.alreadyRevoked).toBe(true);
    expect(parseCrl(crlPem()).crlNumber).toBe(2n);
    const refreshed = refreshCrl(dir, { crlDays: 2 });
    expect(refreshed.crlNumber).toBe(3);
    const crl = parseCrl(crlPem(), { caCertificatePem: caPem });
    expect(crl.crlNumber).toBe(3n);
    expect(crl.revokedSerials.has(revoked.record.serial)).toBe(true);
    expect(crl.nextUpdate!.getTime() - crl.thisUpdate.getTime()).toBe(2 * dayMs);

    const byFile = revoke(dir, kept.certFile, { reason: 'superseded' });
    expect(byFile).toMatchObject({ alreadyRevoked: false, crl: { crlNumber: 4 }, record: { serial: kept.record.serial } });
    expect(parseCrl(crlPem()).revokedSerials).toEqual(new Set([revoked.record.serial, kept.record.serial]));
    expect(readIndex(dir).crlNumber).toBe(4);

    // A certificate of another CA that happens to be presented: not in this index.
    const foreign = await issueClient(join(dir, '..', 'other'), { partnerId: 'asing' });
    expect(() => revoke(dir, foreign.certFile)).toThrow(/was not issued by this CA/);
    expect(() => revoke(dir, 'zz-not-hex')).toThrow(/neither a certificate file nor a hexadecimal serial/);
  });

  it('leaves no temporary or lock files behind after all these writes', () => {
    const left = [dir, paths().caDir, paths().issuedDir].flatMap((d) => readdirSync(d));
    expect(left.filter((name) => name.endsWith('.tmp') || name === '.lock')).toEqual([]);
    expect(left).toContain('crl.pem');
  });
});
