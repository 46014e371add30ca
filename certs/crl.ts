import { X509Certificate, verify as verifySignature } from 'node:crypto';
import forge from 'node-forge';
import { PkiError } from './errors.ts';
import { normalizeSerial, type CaMaterial } from './x509.ts';

/**
 * node-forge has no CRL API, so the CRL is built and read with forge.asn1 following RFC 5280 5.1:
 *
 *   CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue BIT STRING }
 *   TBSCertList ::= SEQUENCE { version v2, signature, issuer Name, thisUpdate, nextUpdate,
 *     revokedCertificates SEQUENCE OF SEQUENCE { userCertificate, revocationDate, crlEntryExtensions } OPTIONAL,
 *     crlExtensions [0] EXPLICIT Extensions OPTIONAL }
 */

export const defaultCrlDays = 7;

/** CRLReason codes (RFC 5280 5.3.1); 7 is unused. */
export const reasonCodes = {
  unspecified: 0, keyCompromise: 1, cACompromise: 2, affiliationChanged: 3, superseded: 4,
  cessationOfOperation: 5, certificateHold: 6, removeFromCRL: 8, privilegeWithdrawn: 9, aACompromise: 10,
} as const;
export type CrlReason = keyof typeof reasonCodes;
/** What an operator may give to `revoke`: no hold (revocation here is final) and no CA-level reasons. */
export const revocationReasons = ['unspecified', 'keyCompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation', 'privilegeWithdrawn'] as const;
export type RevocationReason = (typeof revocationReasons)[number];

const oids = {
  sha256WithRSA: '1.2.840.113549.1.1.11',
  reasonCode: '2.5.29.21',
  crlNumber: '2.5.29.20',
  authorityKeyIdentifier: '2.5.29.35',
};

/** Signature algorithms parseCrl can verify (foreign CAs such as BSrE may sign with ECDSA). */
const signatureHashes: Record<string, string> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};

export interface RevokedEntry {
  serial: string;
  revokedAt: Date;
  reason?: CrlReason;
}

export interface BuildCrlOptions {
  /** Monotonic CRL number (cRLNumber extension); relying parties use it to tell newer CRLs apart. */
  crlNumber: number;
  /** Days from thisUpdate to nextUpdate. */
  days?: number;
  now?: Date;
  nextUpdate?: Date;
}

const { asn1 } = forge;
const universal = (type: forge.asn1.Type, constructed: boolean, value: string | forge.asn1.Asn1[]) =>
  asn1.create(asn1.Class.UNIVERSAL, type, constructed, value);
const sequence = (items: forge.asn1.Asn1[]) => universal(asn1.Type.SEQUENCE, true, items);
const oid = (id: string) => universal(asn1.Type.OID, false, asn1.oidToDer(id).getBytes());
const der = (node: forge.asn1.Asn1) => asn1.toDer(node).getBytes();

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
function time(date: Date): forge.asn1.Asn1 {
  const year = date.getUTCFullYear();
  return year >= 1950 && year < 2050
    ? universal(asn1.Type.UTCTIME, false, asn1.dateToUtcTime(date))
    : universal(asn1.Type.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(date));
}

/** A positive INTEGER from hex, with the 0x00 pad DER needs when the top bit is set. */
function hexInteger(hex: string): forge.asn1.Asn1 {
  let digits = normalizeSerial(hex);
  if (!/^[0-9a-f]+$/.test(digits)) throw new PkiError(`not a hexadecimal serial: ${hex}`);
  if (digits.length % 2 === 1) digits = `0${digits}`;
  if (Number.parseInt(digits.slice(0, 2), 16) >= 0x80) digits = `00${digits}`;
  return universal(asn1.Type.INTEGER, false, forge.util.hexToBytes(digits));
}

function extension(id: string, value: forge.asn1.Asn1): forge.asn1.Asn1 {
  return sequence([oid(id), universal(asn1.Type.OCTETSTRING, false, der(value))]);
}

/** The DER of the subject Name exactly as it is in the CA certificate (re-encoding could change string types). */
function certificateSubject(certificatePem: string): forge.asn1.Asn1 {
  const tbs = (asn1.fromDer(forge.pki.pemToDer(certificatePem)).value as forge.asn1.Asn1[])[0];
  const fields = tbs?.value as forge.asn1.Asn1[] | undefined;
  // An explicit [0] version comes first in v3 certificates; the subject follows serial, signature, issuer, validity.
  const subject = fields?.[fields[0]?.tagClass === asn1.Class.CONTEXT_SPECIFIC ? 5 : 4];
  if (!subject) throw new PkiError('cannot read the CA certificate subject');
  return subject;
}

/** Builds and signs (SHA-256 with the CA key) a v2 CRL; returns PEM `-----BEGIN X509 CRL-----`. */
export function buildCrl(ca: CaMaterial, revoked: readonly RevokedEntry[], options: BuildCrlOptions): string {
  const thisUpdate = options.now ?? new Date();
  const nextUpdate = options.nextUpdate ?? new Date(thisUpdate.getTime() + (options.days ?? defaultCrlDays) * 86_400_000);
  if (nextUpdate.getTime() <= thisUpdate.getTime()) throw new PkiError('the CRL nextUpdate must be later than thisUpdate');
  const algorithm = sequence([oid(oids.sha256WithRSA), universal(asn1.Type.NULL, false, '')]);
  const entries = [...revoked]
    .sort((a, b) => a.revokedAt.getTime() - b.revokedAt.getTime())
    .map((entry) => {
      const fields = [hexInteger(entry.serial), time(entry.revokedAt)];
      // RFC 5280 5.3.1: the reason code "unspecified" SHOULD be absent rather than present with 0.
      if (entry.reason && entry.reason !== 'unspecified') {
        const code = universal(asn1.Type.ENUMERATED, false, asn1.integerToDer(reasonCodes[entry.reason]).getBytes());
        fields.push(sequence([extension(oids.reasonCode, code)]));
      }
      return sequence(fields);
    });
  const tbs = sequence([
    universal(asn1.Type.INTEGER, false, asn1.integerToDer(1).getBytes()), // v2: the CRL has extensions
    algorithm,
    certificateSubject(ca.certificatePem),
    time(thisUpdate),
    time(nextUpdate),
    // RFC 5280 5.1.2.6: with no revoked certificates the list MUST be absent, not empty.
    ...(entries.length > 0 ? [sequence(entries)] : []),
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [sequence([
      extension(oids.crlNumber, universal(asn1.Type.INTEGER, false, asn1.integerToDer(options.crlNumber).getBytes())),
      extension(oids.authorityKeyIdentifier, sequence([asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, false, ca.keyIdentifier)])),
    ])]),
  ]);
  const digest = forge.md.sha256.create();
  digest.update(der(tbs));
  const signature = ca.privateKey.sign(digest);
  const list = sequence([tbs, algorithm, universal(asn1.Type.BITSTRING, false, `\x00${signature}`)]);
  return forge.pem.encode({ type: 'X509 CRL', body: der(list) }, { maxline: 64 });
}

export interface ParsedCrl {
  thisUpdate: Date;
  nextUpdate: Date | null;
  /** cRLNumber; bigint because foreign CAs use numbers up to 20 octets. */
  crlNumber: bigint | null;
  /** Canonical serials (lower-case hex, see normalizeSerial). */
  revokedSerials: Set<string>;
  revoked: RevokedEntry[];
  signatureAlgorithm: string;
}

export interface ParseCrlOptions {
  /** When given, the signature and the issuer name are checked against this CA; a mismatch throws. */
  caCertificatePem?: string;
}

/** Start, header length and end of the DER element at `offset` (definite lengths only, as DER requires). */
function element(bytes: Buffer, offset: number): { start: number; content: number; end: number } {
  const first = bytes.readUInt8(offset + 1);
  let length = first;
  let header = 2;
  if (first & 0x80) {
    const octets = first & 0x7f;
    if (octets === 0 || octets > 4) throw new PkiError('not a DER CRL (bad length)');
    length = bytes.readUIntBE(offset + 2, octets);
    header += octets;
  }
  const end = offset + header + length;
  if (end > bytes.length) throw new PkiError('not a DER CRL (truncated)');
  return { start: offset, content: offset + header, end };
}

function readTime(node: forge.asn1.Asn1 | undefined): Date | null {
  if (node?.type === asn1.Type.UTCTIME) return asn1.utcTimeToDate(node.value as string);
  if (node?.type === asn1.Type.GENERALIZEDTIME) return asn1.generalizedTimeToDate(node.value as string);
  return null;
}

function readExtensions(node: forge.asn1.Asn1 | undefined): Map<string, string> {
  const found = new Map<string, string>();
  for (const ext of (node?.value ?? []) as forge.asn1.Asn1[]) {
    const parts = ext.value as forge.asn1.Asn1[];
    const value = parts[parts.length - 1]?.value;
    if (parts[0] && typeof value === 'string') found.set(asn1.derToOid(parts[0].value as string), value);
  }
  return found;
}

const bytesToHex = (bytes: string) => forge.util.bytesToHex(bytes);

/** Reads a CRL (PEM); with `caCertificatePem`, verifies its signature (RSA or ECDSA) and issuer first. */
export function parseCrl(pem: string, options: ParseCrlOptions = {}): ParsedCrl {
  const block = forge.pem.decode(pem).find((b) => b.type === 'X509 CRL');
  if (!block) throw new PkiError('not a PEM CRL (no -----BEGIN X509 CRL----- block)');
  const bytes = Buffer.from(block.body, 'binary');
  const outer = element(bytes, 0);
  const tbsRange = element(bytes, outer.content);
  const algorithmRange = element(bytes, tbsRange.end);
  const signatureRange = element(bytes, algorithmRange.end);
  const tbsBytes = bytes.subarray(tbsRange.start, tbsRange.end);
  const fields = asn1.fromDer(tbsBytes.toString('binary')).value as forge.asn1.Asn1[];
  let i = fields[0]?.type === asn1.Type.INTEGER ? 1 : 0; // version is optional (absent = v1)
  const algorithmNode = (fields[i++]?.value as forge.asn1.Asn1[] | undefined)?.[0];
  const signatureAlgorithm = algorithmNode ? asn1.derToOid(algorithmNode.value as string) : '';
  const issuer = fields[i++];
  const thisUpdate = readTime(fields[i++]);
  if (!thisUpdate || !issuer) throw new PkiError('not a CRL (no issuer or thisUpdate)');
  const nextUpdate = readTime(fields[i]);
  if (nextUpdate) i++;
  let revokedList: forge.asn1.Asn1[] = [];
  if (fields[i]?.tagClass === asn1.Class.UNIVERSAL && fields[i]?.type === asn1.Type.SEQUENCE) revokedList = fields[i++]!.value as forge.asn1.Asn1[];
  const crlExtensions = fields[i]?.tagClass === asn1.Class.CONTEXT_SPECIFIC ? readExtensions((fields[i]!.value as forge.asn1.Asn1[])[0]) : new Map<string, string>();

  if (options.caCertificatePem !== undefined) {
    const hash = signatureHashes[signatureAlgorithm];
    if (!hash) throw new PkiError(`CRL signature algorithm ${signatureAlgorithm} is not supported`);
    if (der(issuer) !== der(certificateSubject(options.caCertificatePem))) throw new PkiError('the CRL issuer is not the subject of the given CA certificate');
    // Skip the BIT STRING's unused-bits octet.
    const signature = bytes.subarray(signatureRange.content + 1, signatureRange.end);
    const publicKey = new X509Certificate(options.caCertificatePem).publicKey;
    if (!verifySignature(hash, tbsBytes, publicKey, signature)) throw new PkiError('the CRL signature does not verify with the given CA certificate');
  }

  const revoked = revokedList.map((entry): RevokedEntry => {
    const [serial, date, extensions] = entry.value as forge.asn1.Asn1[];
    const reasonBytes = readExtensions(extensions).get(oids.reasonCode);
    const code = reasonBytes === undefined ? undefined : asn1.derToInteger((asn1.fromDer(reasonBytes).value as string));
    const reason = (Object.keys(reasonCodes) as CrlReason[]).find((name) => reasonCodes[name] === code);
    return { serial: normalizeSerial(bytesToHex(serial?.value as string)), revokedAt: readTime(date) ?? thisUpdate, ...(reason ? { reason } : {}) };
  });
  const crlNumberBytes = crlExtensions.get(oids.crlNumber);
  const crlNumberHex = crlNumberBytes === undefined ? undefined : bytesToHex(asn1.fromDer(crlNumberBytes).value as string);
  return {
    thisUpdate,
    nextUpdate,
    crlNumber: crlNumberHex ? BigInt(`0x${crlNumberHex}`) : null,
    revokedSerials: new Set(revoked.map((r) => r.serial)),
    revoked,
    signatureAlgorithm,
  };
}
