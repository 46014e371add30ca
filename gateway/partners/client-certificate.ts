import type { TLSSocket } from 'node:tls';
import { Problem } from '../errors/problem.ts';
import { normalizeSerial } from '../../certs/x509.ts';
import { normalizeFingerprint } from '../registry/partners.ts';

export interface PresentedCertificate {
  /** SHA-256 of the DER, lower-case hex. */
  fingerprint: string;
  /** Lower-case hex without leading zeros. */
  serial: string;
  subject: string;
  /** Fingerprint of the CA certificate that issued it, when the chain was built. */
  issuerFingerprint: string | null;
}

/** Answers "is this serial of this CA revoked?" from the CRLs the gateway has loaded. */
export interface RevocationIndex {
  isRevoked(serial: string, issuerFingerprint: string | null): boolean;
}

// OpenSSL verification results (X509_V_ERR_*) as Node names them, grouped by what the partner must do.
const expired = new Set(['CERT_HAS_EXPIRED']);
const notYetValid = new Set(['CERT_NOT_YET_VALID']);
const revoked = new Set(['CERT_REVOKED']);

/**
 * The client certificate of a TLS connection and, when it is not acceptable, why: missing, not
 * chained to a trusted CA, outside its validity, revoked. The listener asks for a certificate
 * without failing the handshake, so each outcome gets its own problem code and lands in the
 * traffic log (with the fingerprint, even when refused), instead of a TLS alert the partner's
 * developers would have to decode.
 */
export function examineCertificate(socket: TLSSocket, revocations: RevocationIndex): { certificate: PresentedCertificate | null; refusal: Problem | null } {
  try {
    return { certificate: presentedCertificate(socket, revocations), refusal: null };
  } catch (error) {
    if (!(error instanceof Problem)) throw error;
    const peer = socket.getPeerCertificate();
    const certificate = peer?.raw ? { fingerprint: normalizeFingerprint(peer.fingerprint256), serial: normalizeSerial(peer.serialNumber), subject: '', issuerFingerprint: null } : null;
    return { certificate, refusal: error };
  }
}

/** The verified client certificate, or the Problem saying why it is not acceptable. */
export function presentedCertificate(socket: TLSSocket, revocations: RevocationIndex): PresentedCertificate {
  const peer = socket.getPeerCertificate(true);
  if (!peer || Object.keys(peer).length === 0 || !peer.raw) {
    throw new Problem('CERTIFICATE_REQUIRED', 'No client certificate was presented in the TLS handshake.');
  }
  const presented: PresentedCertificate = {
    fingerprint: normalizeFingerprint(peer.fingerprint256),
    serial: normalizeSerial(peer.serialNumber),
    subject: Object.entries(peer.subject ?? {}).map(([k, v]) => `${k}=${String(v)}`).join(', '),
    issuerFingerprint: peer.issuerCertificate && peer.issuerCertificate !== peer ? normalizeFingerprint(peer.issuerCertificate.fingerprint256) : null,
  };
  const member = { certificate: { fingerprint: presented.fingerprint, serial: presented.serial } };
  if (!socket.authorized) {
    const reason = String(socket.authorizationError ?? 'UNKNOWN');
    if (expired.has(reason)) throw new Problem('CERTIFICATE_EXPIRED', `The client certificate expired on ${new Date(peer.valid_to).toISOString().slice(0, 10)}.`, member);
    if (notYetValid.has(reason)) throw new Problem('CERTIFICATE_NOT_YET_VALID', `The client certificate is valid from ${new Date(peer.valid_from).toISOString().slice(0, 10)}.`, member);
    if (revoked.has(reason)) throw new Problem('CERTIFICATE_REVOKED', 'The client certificate is revoked.', member);
    throw new Problem('CERTIFICATE_UNTRUSTED', `The client certificate was not accepted (${reason}).`, { ...member, verifyError: reason });
  }
  // Checked on every request, not only at the handshake: a keep-alive connection opened before the
  // CRL changed must not outlive the revocation.
  if (revocations.isRevoked(presented.serial, presented.issuerFingerprint)) {
    throw new Problem('CERTIFICATE_REVOKED', 'The client certificate is on its CA\'s revocation list.', member);
  }
  return presented;
}
