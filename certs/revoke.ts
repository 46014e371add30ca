import { existsSync, readFileSync, statSync } from 'node:fs';
import { loadCa, type CaMaterial } from './ca.ts';
import { buildCrl, defaultCrlDays, type RevocationReason, type RevokedEntry } from './crl.ts';
import { PkiError } from './errors.ts';
import { publicFileMode, writeFileAtomic } from './files.ts';
import { describeCertificate, findRecord, updateIndex, type IssuedRecord, type PkiIndex } from './inventory.ts';
import { pkiPaths } from './layout.ts';
import { normalizeSerial } from './x509.ts';

export interface CrlWriteOptions {
  /** Days until nextUpdate (default 7). */
  crlDays?: number;
  now?: Date;
}

export interface RevokeOptions extends CrlWriteOptions {
  reason?: RevocationReason;
}

export interface CrlWritten {
  file: string;
  crlNumber: number;
  thisUpdate: Date;
  nextUpdate: Date;
}

export interface RevokeResult {
  record: IssuedRecord;
  /** True when the certificate was revoked before: nothing changed, no new CRL. */
  alreadyRevoked: boolean;
  crl?: CrlWritten;
}

const dayMs = 86_400_000;

/**
 * Re-signs the CRL from the index with the next CRL number. Called inside updateIndex, so the CRL is
 * written before the index: after a crash the revocation is effective even if the index lags.
 */
function writeCrl(pkiDir: string, ca: CaMaterial, index: PkiIndex, options: CrlWriteOptions): CrlWritten {
  const thisUpdate = options.now ?? new Date();
  const nextUpdate = new Date(thisUpdate.getTime() + (options.crlDays ?? defaultCrlDays) * dayMs);
  const revoked: RevokedEntry[] = index.certificates
    .filter((record) => record.revokedAt !== null)
    .map((record) => ({ serial: record.serial, revokedAt: new Date(record.revokedAt!), ...(record.revocationReason ? { reason: record.revocationReason } : {}) }));
  const crlNumber = index.crlNumber + 1;
  const file = pkiPaths(pkiDir).crl;
  writeFileAtomic(file, buildCrl(ca, revoked, { crlNumber, now: thisUpdate, nextUpdate }), publicFileMode);
  index.crlNumber = crlNumber;
  return { file, crlNumber, thisUpdate, nextUpdate };
}

/** A serial (hex, colons allowed) or the path of a PEM certificate issued by this CA. */
function resolveTarget(target: string): { serial: string; fingerprint256?: string } {
  if (existsSync(target) && statSync(target).isFile()) {
    const described = describeCertificate(readFileSync(target, 'utf8'));
    return { serial: described.serial, fingerprint256: described.fingerprint256 };
  }
  const serial = normalizeSerial(target);
  if (!/^[0-9a-f]+$/.test(serial)) throw new PkiError(`"${target}" is neither a certificate file nor a hexadecimal serial`);
  return { serial };
}

/** Marks a certificate revoked in the index and writes a new CRL signed by the CA. */
export function revoke(pkiDir: string, target: string, options: RevokeOptions = {}): RevokeResult {
  const { serial, fingerprint256 } = resolveTarget(target);
  const ca = loadCa(pkiDir);
  const now = options.now ?? new Date();
  return updateIndex(pkiDir, (index) => {
    const record = findRecord(index, serial);
    if (!record) throw new PkiError(`serial ${serial} was not issued by this CA (not in ${pkiPaths(pkiDir).index})`);
    if (fingerprint256 && record.fingerprint256 !== fingerprint256) {
      throw new PkiError(`${target} has serial ${serial} but is not the certificate this CA issued under that serial`);
    }
    if (record.revokedAt) return { record, alreadyRevoked: true };
    record.revokedAt = now.toISOString();
    record.revocationReason = options.reason ?? null;
    return { record, alreadyRevoked: false, crl: writeCrl(pkiDir, ca, index, { ...options, now }) };
  });
}

/**
 * Signs a fresh CRL (same revocations, new thisUpdate/nextUpdate and number). Relying parties, Node's
 * TLS included, reject a CRL past its nextUpdate, so this must run before it (e.g. daily from cron).
 */
export function refreshCrl(pkiDir: string, options: CrlWriteOptions = {}): CrlWritten {
  const ca = loadCa(pkiDir);
  return updateIndex(pkiDir, (index) => writeCrl(pkiDir, ca, index, options));
}
