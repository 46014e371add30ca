import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RevocationReason } from './crl.ts';
import { PkiError } from './errors.ts';
import { publicFileMode, withLock, writeFileAtomic } from './files.ts';
import { pkiPaths } from './layout.ts';
import { normalizeSerial } from './x509.ts';

/** One certificate issued by the CA, as index.json keeps it. Dates are ISO 8601 strings. */
export interface IssuedRecord {
  /** Lower-case hex, no colons. */
  serial: string;
  kind: 'server' | 'client';
  /** The partner a client certificate belongs to (null for server certificates). */
  partnerId: string | null;
  commonName: string;
  /** One-line subject, e.g. `C=ID, O=PT Bank Contoh, CN=bank-contoh`. */
  subject: string;
  /** `DNS:name` / `IP:address` entries (server certificates). */
  sans: string[];
  notBefore: string;
  notAfter: string;
  /** Lower-case hex SHA-256 of the DER: what the partner registry keys certificates on. */
  fingerprint256: string;
  /** `generated`: this tool made the key (keyFile set); `csr`: the partner kept its key. */
  origin: 'generated' | 'csr';
  issuedAt: string;
  revokedAt: string | null;
  revocationReason: RevocationReason | null;
  /** Relative to the PKI directory. */
  certFile: string;
  keyFile?: string;
}

export interface PkiIndex {
  version: 1;
  /** Number of the last CRL written; the next CRL gets crlNumber + 1. */
  crlNumber: number;
  certificates: IssuedRecord[];
}

export function emptyIndex(): PkiIndex {
  return { version: 1, crlNumber: 0, certificates: [] };
}

export function readIndex(pkiDir: string): PkiIndex {
  const file = pkiPaths(pkiDir).index;
  if (!existsSync(file)) return emptyIndex();
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<PkiIndex>;
  if (parsed.version !== 1 || !Array.isArray(parsed.certificates) || typeof parsed.crlNumber !== 'number') {
    throw new PkiError(`${file} is not a version 1 PKI index`);
  }
  return parsed as PkiIndex;
}

export function writeIndex(pkiDir: string, index: PkiIndex): void {
  writeFileAtomic(pkiPaths(pkiDir).index, `${JSON.stringify(index, null, 2)}\n`, publicFileMode);
}

/** Read, change and write the index under the PKI lock, so concurrent commands never lose a record. */
export function updateIndex<T>(pkiDir: string, change: (index: PkiIndex) => T): T {
  return withLock(pkiDir, () => {
    const index = readIndex(pkiDir);
    const result = change(index);
    writeIndex(pkiDir, index);
    return result;
  });
}

export function findRecord(index: PkiIndex, serial: string): IssuedRecord | undefined {
  const wanted = normalizeSerial(serial);
  return index.certificates.find((record) => normalizeSerial(record.serial) === wanted);
}

export interface DescribedCertificate {
  subject: string;
  commonName: string | null;
  issuer: string;
  /** Lower-case hex, no colons, no leading zero octets. */
  serial: string;
  fingerprint256: string;
  notBefore: Date;
  notAfter: Date;
  /** Whole days until notAfter (negative once expired). */
  daysLeft: number;
  keyType: string;
  keyBits: number | null;
  isCa: boolean;
  pem: string;
}

const curveBits: Record<string, number> = { prime256v1: 256, secp384r1: 384, secp521r1: 521 };
const dayMs = 86_400_000;

/**
 * Describes one PEM certificate. Node's X509Certificate is used rather than node-forge because the
 * certificates in use include partners' certificates from other CAs (e.g. BSrE), which may carry
 * ECDSA keys that node-forge cannot parse.
 */
export function describeCertificate(pem: string, now: Date = new Date()): DescribedCertificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch (error) {
    throw new PkiError(`not a PEM certificate: ${(error as Error).message}`);
  }
  const details = cert.publicKey.asymmetricKeyDetails;
  const keyType = cert.publicKey.asymmetricKeyType ?? 'unknown';
  const keyBits = details?.modulusLength ?? (details?.namedCurve ? curveBits[details.namedCurve] ?? null : null);
  const notAfter = cert.validToDate;
  const commonName = cert.subject.split('\n').find((line) => line.startsWith('CN='))?.slice(3) ?? null;
  return {
    subject: cert.subject.replaceAll('\n', ', '),
    commonName,
    issuer: cert.issuer.replaceAll('\n', ', '),
    serial: normalizeSerial(cert.serialNumber),
    fingerprint256: cert.fingerprint256.replaceAll(':', '').toLowerCase(),
    notBefore: cert.validFromDate,
    notAfter,
    daysLeft: Math.floor((notAfter.getTime() - now.getTime()) / dayMs),
    keyType,
    keyBits,
    isCa: cert.ca,
    pem: cert.toString(),
  };
}

/** Every certificate in a PEM file (a chain file holds several). */
export function describePemBundle(pem: string, now: Date = new Date()): DescribedCertificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new PkiError('no PEM certificate found');
  return blocks.map((block) => describeCertificate(block, now));
}

export type CertificateStatus = 'valid' | 'expired' | 'not-yet-valid' | 'revoked';

export interface ListedCertificate extends IssuedRecord {
  status: CertificateStatus;
  daysLeft: number;
}

export function statusOf(record: Pick<IssuedRecord, 'revokedAt' | 'notBefore' | 'notAfter'>, now: Date): CertificateStatus {
  if (record.revokedAt) return 'revoked';
  if (new Date(record.notAfter).getTime() <= now.getTime()) return 'expired';
  if (new Date(record.notBefore).getTime() > now.getTime()) return 'not-yet-valid';
  return 'valid';
}

/** The issued certificates with their status now, soonest expiry first. */
export function listCertificates(pkiDir: string, now: Date = new Date()): ListedCertificate[] {
  return readIndex(pkiDir).certificates
    .map((record) => ({
      ...record,
      status: statusOf(record, now),
      daysLeft: Math.floor((new Date(record.notAfter).getTime() - now.getTime()) / dayMs),
    }))
    .sort((a, b) => a.notAfter.localeCompare(b.notAfter));
}

/** Absolute path of a file recorded relative to the PKI directory. */
export function recordPath(pkiDir: string, relative: string): string {
  return join(pkiDir, relative);
}
