import { existsSync, readFileSync } from 'node:fs';
import forge from 'node-forge';
import { buildCrl, defaultCrlDays } from './crl.ts';
import { PkiError } from './errors.ts';
import { ensurePrivateDir, privateKeyMode, publicFileMode, withLock, writeFileAtomic } from './files.ts';
import { emptyIndex, writeIndex } from './inventory.ts';
import { pkiPaths } from './layout.ts';
import {
  certificateDer, defaultKeySize, fingerprint256, generateRsaKeyPair, keyIdentifierBytes, privateKeyToPem,
  randomSerial, resolveValidity, signSha256, subjectAttributes, type RsaKeySize, type ValidityOptions, type CaMaterial,
} from './x509.ts';

export type { CaMaterial };

export const defaultCaDays = 3650;

export interface InitCaOptions extends ValidityOptions {
  commonName?: string;
  organization?: string;
  keySize?: RsaKeySize;
  /** Days until the first (empty) CRL's nextUpdate. */
  crlDays?: number;
}

export interface InitCaResult {
  certFile: string;
  keyFile: string;
  crlFile: string;
  serial: string;
  fingerprint256: string;
  notBefore: Date;
  notAfter: Date;
}


export function hasCa(pkiDir: string): boolean {
  const paths = pkiPaths(pkiDir);
  return existsSync(paths.caKey) && existsSync(paths.caCert);
}

/**
 * Creates the development CA of the Dinas: an RSA key and a self-signed certificate (basicConstraints
 * cA, keyUsage keyCertSign + cRLSign, subjectKeyIdentifier), an empty index and an empty CRL, so a
 * CRL file exists from the start and the gateway can always load one. Refuses to replace an existing
 * CA: every certificate it issued would become unverifiable.
 */
export async function initCa(pkiDir: string, options: InitCaOptions = {}): Promise<InitCaResult> {
  const paths = pkiPaths(pkiDir);
  if (existsSync(paths.caKey) || existsSync(paths.caCert)) {
    throw new PkiError(`a CA already exists in ${paths.caDir}; remove the directory first if you really mean to replace it`);
  }
  const keys = await generateRsaKeyPair(options.keySize ?? defaultKeySize);
  const { notBefore, notAfter } = resolveValidity(options, defaultCaDays);
  const cert = forge.pki.createCertificate();
  cert.serialNumber = randomSerial();
  cert.publicKey = keys.publicKey;
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  const subject = subjectAttributes({
    commonName: options.commonName ?? 'Penghubung Dev CA',
    organization: options.organization ?? 'Diskominfo (demo)',
    country: 'ID',
  });
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  signSha256(cert, keys.privateKey);
  const certificatePem = forge.pki.certificateToPem(cert);
  const ca: CaMaterial = { certificate: cert, certificatePem, privateKey: keys.privateKey, keyIdentifier: keyIdentifierBytes(cert) };

  withLock(pkiDir, () => {
    if (existsSync(paths.caKey)) throw new PkiError(`a CA was created in ${paths.caDir} meanwhile`);
    // The key first: a CA certificate without its key would block a retry with "already exists".
    writeFileAtomic(paths.caKey, privateKeyToPem(keys.privateKey), privateKeyMode);
    writeFileAtomic(paths.caCert, certificatePem, publicFileMode);
    ensurePrivateDir(paths.issuedDir);
    const index = emptyIndex();
    index.crlNumber = 1;
    writeFileAtomic(paths.crl, buildCrl(ca, [], { crlNumber: index.crlNumber, days: options.crlDays ?? defaultCrlDays, now: options.now }), publicFileMode);
    writeIndex(pkiDir, index);
  });
  return {
    certFile: paths.caCert,
    keyFile: paths.caKey,
    crlFile: paths.crl,
    serial: cert.serialNumber,
    fingerprint256: fingerprint256(certificateDer(cert)),
    notBefore: cert.validity.notBefore,
    notAfter: cert.validity.notAfter,
  };
}

/** Reads the CA key and certificate, checking that they belong together. */
export function loadCa(pkiDir: string): CaMaterial {
  const paths = pkiPaths(pkiDir);
  if (!hasCa(pkiDir)) throw new PkiError(`no CA in ${paths.caDir}; run \`penghubung certs init-ca\` first`);
  const certificatePem = readFileSync(paths.caCert, 'utf8');
  const certificate = forge.pki.certificateFromPem(certificatePem);
  const privateKey = forge.pki.privateKeyFromPem(readFileSync(paths.caKey, 'utf8'));
  const publicKey = certificate.publicKey as forge.pki.rsa.PublicKey;
  if (publicKey.n.compareTo(privateKey.n) !== 0) throw new PkiError(`${paths.caKey} is not the key of ${paths.caCert}`);
  return { certificate, certificatePem, privateKey, keyIdentifier: keyIdentifierBytes(certificate) };
}

/** An expired CA would issue certificates nobody accepts; refuse early with the reason. */
export function assertCaUsable(ca: CaMaterial, now: Date): void {
  if (ca.certificate.validity.notAfter.getTime() <= now.getTime()) {
    throw new PkiError(`the CA certificate expired on ${ca.certificate.validity.notAfter.toISOString()}; create a new CA`);
  }
}
