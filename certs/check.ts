import { existsSync, readFileSync } from 'node:fs';
import { parseCrl } from './crl.ts';
import { describeCertificate, describePemBundle, readIndex, recordPath, type DescribedCertificate } from './inventory.ts';
import { pkiPaths } from './layout.ts';

/** A certificate the gateway depends on, with where it comes from (for the operator's report). */
export interface CertificateInUse extends DescribedCertificate {
  source: string;
}

export interface ExpiryFinding {
  /** Whole days left (negative when already expired). */
  daysLeft: number;
  expired: boolean;
}

const dayMs = 86_400_000;
/** Warn about the CRL a day before its nextUpdate: after it, TLS peers checking the CRL refuse every client. */
const crlMarginMs = dayMs;

/**
 * The certificates whose notAfter falls within `withinDays` from now (already expired ones included),
 * soonest first. Works on anything with a notAfter, so the lead can add partner certificates from the
 * registry and the gateway's own server certificate.
 */
export function checkExpiry<T extends { notAfter: Date }>(certs: readonly T[], withinDays: number, now: Date = new Date()): Array<T & ExpiryFinding> {
  const limit = now.getTime() + withinDays * dayMs;
  return certs
    .filter((cert) => cert.notAfter.getTime() <= limit)
    .sort((a, b) => a.notAfter.getTime() - b.notAfter.getTime())
    .map((cert) => ({
      ...cert,
      daysLeft: Math.floor((cert.notAfter.getTime() - now.getTime()) / dayMs),
      expired: cert.notAfter.getTime() <= now.getTime(),
    }));
}

export interface InUseOptions {
  /** More PEM files (chains allowed): partner certificates, the gateway's server certificate. */
  files?: readonly string[];
  now?: Date;
}

/** The CA certificate, every issued certificate not revoked, and the given files. */
export function certificatesInUse(pkiDir: string, options: InUseOptions = {}): CertificateInUse[] {
  const now = options.now ?? new Date();
  const paths = pkiPaths(pkiDir);
  const found: CertificateInUse[] = [];
  if (existsSync(paths.caCert)) {
    found.push({ ...describeCertificate(readFileSync(paths.caCert, 'utf8'), now), source: 'CA (ca/ca.cert.pem)' });
  }
  for (const record of readIndex(pkiDir).certificates) {
    if (record.revokedAt) continue;
    const owner = record.kind === 'client' ? `client ${record.partnerId ?? record.commonName}` : `server ${record.commonName}`;
    found.push({ ...describeCertificate(readFileSync(recordPath(pkiDir, record.certFile), 'utf8'), now), source: `${owner} (${record.certFile})` });
  }
  for (const file of options.files ?? []) {
    const described = describePemBundle(readFileSync(file, 'utf8'), now);
    described.forEach((cert, i) => found.push({ ...cert, source: described.length > 1 ? `${file} #${i + 1}` : file }));
  }
  return found;
}

/** A problem with the CRL that will make TLS peers fail (missing, bad signature, stale), or null. */
export function crlProblem(pkiDir: string, now: Date = new Date()): string | null {
  const paths = pkiPaths(pkiDir);
  if (!existsSync(paths.caCert)) return null;
  if (!existsSync(paths.crl)) return `no CRL at ${paths.crl}; run \`penghubung certs crl\``;
  try {
    const crl = parseCrl(readFileSync(paths.crl, 'utf8'), { caCertificatePem: readFileSync(paths.caCert, 'utf8') });
    if (crl.nextUpdate && crl.nextUpdate.getTime() - now.getTime() <= crlMarginMs) {
      const state = crl.nextUpdate.getTime() <= now.getTime() ? 'is past' : 'is within a day of';
      return `the CRL ${paths.crl} ${state} its nextUpdate ${crl.nextUpdate.toISOString()}; run \`penghubung certs crl\``;
    }
    return null;
  } catch (error) {
    return `the CRL ${paths.crl} is unusable: ${(error as Error).message}`;
  }
}
