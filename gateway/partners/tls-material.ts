import { readFileSync, statSync } from 'node:fs';
import type { SecureContextOptions } from 'node:tls';
import type { Logger } from 'pino';
import { parseCrl } from '../../certs/crl.ts';
import { describePemBundle, type DescribedCertificate } from '../../certs/inventory.ts';
import type { TlsConfig } from '../config/schema.ts';
import type { RevocationIndex } from './client-certificate.ts';

export class TlsMaterialError extends Error {
  override name = 'TlsMaterialError';
}

interface Loaded {
  cert: string;
  key: string;
  /** Trusted client CAs, one PEM per certificate. */
  cas: DescribedCertificate[];
  /** CA fingerprint -> revoked serials, from CRLs whose signature verified against that CA. */
  revoked: Map<string, Set<string>>;
}

function read(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new TlsMaterialError(`cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/**
 * A listener's TLS files (server certificate and key, trusted client CAs, their CRLs), read at
 * start and re-read when a file changes, so a renewed certificate or a new CRL applies without a
 * restart. A CRL counts only when its signature verifies against one of the trusted CAs; a file
 * that fails to load keeps the previous material in force (and says so in the log).
 */
export class TlsMaterial implements RevocationIndex {
  private loaded: Loaded;
  private stamps: string;
  private timer?: NodeJS.Timeout;
  private readonly tls: TlsConfig;
  private readonly log: Logger;

  constructor(tls: TlsConfig, log: Logger) {
    this.tls = tls;
    this.log = log;
    this.loaded = this.load();
    this.stamps = this.fileStamps();
  }

  private files(): string[] {
    return [this.tls.cert, this.tls.key, ...this.tls.clientCa, ...this.tls.crl].filter((f): f is string => Boolean(f));
  }

  private fileStamps(): string {
    return this.files().map((file) => {
      try {
        const stat = statSync(file);
        return `${file}:${stat.mtimeMs}:${stat.size}`;
      } catch {
        return `${file}:missing`;
      }
    }).join('|');
  }

  private load(): Loaded {
    const cert = this.tls.cert ? read(this.tls.cert, 'certificate') : '';
    const key = this.tls.key ? read(this.tls.key, 'private key') : '';
    const cas = this.tls.clientCa.flatMap((file) => {
      try {
        return describePemBundle(read(file, 'client CA file'));
      } catch (error) {
        throw new TlsMaterialError(`client CA file ${file}: ${(error as Error).message}`);
      }
    });
    const revoked = new Map<string, Set<string>>();
    for (const file of this.tls.crl) {
      const pem = read(file, 'CRL');
      const issuer = cas.find((ca) => {
        try {
          parseCrl(pem, { caCertificatePem: ca.pem });
          return true;
        } catch {
          return false;
        }
      });
      if (!issuer) throw new TlsMaterialError(`CRL ${file} is not signed by any CA in clientCa`);
      const crl = parseCrl(pem, { caCertificatePem: issuer.pem });
      if (crl.nextUpdate && crl.nextUpdate.getTime() < Date.now()) this.log.warn({ file, nextUpdate: crl.nextUpdate }, 'CRL is past its nextUpdate: publish a fresh one');
      const set = revoked.get(issuer.fingerprint256) ?? new Set<string>();
      for (const serial of crl.revokedSerials) set.add(serial);
      revoked.set(issuer.fingerprint256, set);
    }
    for (const ca of cas) {
      if (!revoked.has(ca.fingerprint256)) this.log.warn({ ca: ca.subject }, 'no CRL for this trusted CA: its revoked certificates are not refused (add its CRL to tls.crl)');
    }
    return { cert, key, cas, revoked };
  }

  /** What `tls.createServer` / `server.setSecureContext` take. CRLs are applied per request instead. */
  contextOptions(): SecureContextOptions {
    return {
      cert: this.loaded.cert,
      key: this.loaded.key,
      ...(this.loaded.cas.length > 0 ? { ca: this.loaded.cas.map((ca) => ca.pem) } : {}),
      ciphers: serverCiphers,
      honorCipherOrder: true,
    };
  }

  isRevoked(serial: string, issuerFingerprint: string | null): boolean {
    if (issuerFingerprint) return this.loaded.revoked.get(issuerFingerprint)?.has(serial) ?? false;
    for (const serials of this.loaded.revoked.values()) if (serials.has(serial)) return true;
    return false;
  }

  /** The server certificate chain and the trusted CAs, for monitoring. */
  certificates(): { role: 'server' | 'client-ca'; certificate: DescribedCertificate }[] {
    const server = this.loaded.cert ? describePemBundle(this.loaded.cert).map((certificate) => ({ role: 'server' as const, certificate })) : [];
    return [...server, ...this.loaded.cas.map((certificate) => ({ role: 'client-ca' as const, certificate }))];
  }

  /** Polls the files; on a change, reloads and calls `changed` (the listener swaps its context). */
  watch(seconds: number, changed: () => void): void {
    this.timer = setInterval(() => {
      const stamps = this.fileStamps();
      if (stamps === this.stamps) return;
      this.stamps = stamps;
      try {
        this.loaded = this.load();
        this.log.info({ files: this.files().length }, 'TLS material reloaded');
        changed();
      } catch (error) {
        this.log.error({ err: (error as Error).message }, 'TLS material not reloaded: keeping the previous certificates and CRLs');
      }
    }, seconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/**
 * The suites the gateway's TLS listeners offer: TLS 1.3's, and for TLS 1.2 only ephemeral
 * key exchange (forward secrecy: a recorded session stays sealed should the server key leak)
 * with an AEAD cipher; no RSA key exchange and no CBC (Lucky13-class padding oracles), as the
 * "intermediate" profile of Mozilla's server-side TLS guidelines. Node's default list offers both.
 */
export const serverCiphers = [
  'TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/** For a listener without client certificates: nothing is revoked. */
export const noRevocations: RevocationIndex = { isRevoked: () => false };
