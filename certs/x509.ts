import { createHash, randomBytes } from 'node:crypto';
import forge from 'node-forge';
import { PkiError } from './errors.ts';

export const rsaKeySizes = [2048, 3072, 4096] as const;
export type RsaKeySize = (typeof rsaKeySizes)[number];
export const defaultKeySize: RsaKeySize = 2048;
/** RSA below this is refused everywhere (issue 5: RSA >= 2048). */
export const minimumRsaBits = 2048;

const dayMs = 86_400_000;
/** Certificates start a few minutes in the past so a peer whose clock is slightly behind accepts them. */
const backdateMs = 5 * 60_000;

export function isRsaKeySize(bits: number): bits is RsaKeySize {
  return (rsaKeySizes as readonly number[]).includes(bits);
}

/**
 * 16 random bytes as lower-case hex. The high bit is cleared so the INTEGER is positive without a
 * padding byte, and a zero first byte is drawn again because DER forbids a leading 0x00 before a
 * byte below 0x80 (OpenSSL rejects such serials). ~127 bits of entropy, well above RFC 5280's
 * 20-octet limit and the CA/Browser Forum's 64 bits.
 */
export function randomSerial(): string {
  for (;;) {
    const bytes = randomBytes(16);
    const first = bytes.readUInt8(0) & 0x7f;
    if (first === 0) continue;
    bytes.writeUInt8(first, 0);
    return bytes.toString('hex');
  }
}

/** Canonical serial: lower-case hex, no colons, no leading zero octets (OpenSSL and Node differ here). */
export function normalizeSerial(serial: string): string {
  const hex = serial.replaceAll(':', '').trim().toLowerCase();
  return hex.replace(/^(?:00)+(?=[0-9a-f])/, '');
}

/**
 * node-forge generates RSA keys with Node's native crypto.generateKeyPair when it runs on Node (the
 * callback form is asynchronous, so the event loop is not blocked); pure JavaScript only elsewhere.
 */
export function generateRsaKeyPair(bits: RsaKeySize): Promise<forge.pki.rsa.KeyPair> {
  return new Promise((resolve, reject) => {
    forge.pki.rsa.generateKeyPair({ bits, e: 0x10001 }, (error, keyPair) => (error ? reject(error) : resolve(keyPair)));
  });
}

/** PKCS#8 (`BEGIN PRIVATE KEY`), the format Node, OpenSSL and curl read without hints. */
export function privateKeyToPem(key: forge.pki.rsa.PrivateKey): string {
  return forge.pki.privateKeyInfoToPem(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(key)));
}

export function certificateDer(cert: forge.pki.Certificate): Buffer {
  return Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
}

/** Lower-case hex SHA-256 of the DER without colons: the form the partner registry keys on. */
export function fingerprint256(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex');
}

export interface ValidityOptions {
  /** Validity length from notBefore (or from now); defaults per profile. */
  days?: number;
  /** Explicit bounds, e.g. to produce an already expired or a not yet valid certificate in tests. */
  notBefore?: Date;
  notAfter?: Date;
  now?: Date;
}

export function resolveValidity(options: ValidityOptions, defaultDays: number): { notBefore: Date; notAfter: Date } {
  const days = options.days ?? defaultDays;
  if (!Number.isInteger(days) || days < 1) throw new PkiError(`validity must be a whole number of days >= 1, got ${days}`);
  const now = options.now ?? new Date();
  const notBefore = options.notBefore ?? new Date(now.getTime() - backdateMs);
  const notAfter = options.notAfter ?? new Date((options.notBefore ?? now).getTime() + days * dayMs);
  if (notAfter.getTime() <= notBefore.getTime()) {
    throw new PkiError(`notAfter (${notAfter.toISOString()}) must be later than notBefore (${notBefore.toISOString()})`);
  }
  return { notBefore, notAfter };
}

export interface SubjectFields {
  commonName: string;
  organization?: string;
  country?: string;
}

/** @types/node-forge types valueTagClass as asn1.Class, but forge reads it as the string's asn1.Type. */
const stringTag = (type: forge.asn1.Type) => type as number as forge.asn1.Class;

/** Subject attributes as UTF8String (names may hold `&` or non-ASCII letters), country as PrintableString. */
export function subjectAttributes(fields: SubjectFields): forge.pki.CertificateField[] {
  const { commonName, organization, country } = fields;
  if (commonName.length < 1 || commonName.length > 64) throw new PkiError('the common name (CN) must be 1 to 64 characters');
  if (organization !== undefined && (organization.length < 1 || organization.length > 64)) {
    throw new PkiError('the organization (O) must be 1 to 64 characters');
  }
  const utf8 = stringTag(forge.asn1.Type.UTF8);
  const attributes: forge.pki.CertificateField[] = [];
  if (country !== undefined) {
    if (!/^[A-Z]{2}$/.test(country)) throw new PkiError('the country (C) must be two capital letters, e.g. ID');
    attributes.push({ shortName: 'C', value: country, valueTagClass: stringTag(forge.asn1.Type.PRINTABLESTRING) });
  }
  if (organization !== undefined) attributes.push({ shortName: 'O', value: organization, valueTagClass: utf8 });
  attributes.push({ shortName: 'CN', value: commonName, valueTagClass: utf8 });
  return attributes;
}

/** Signs with SHA-256 (sha256WithRSAEncryption), as the issue requires; forge defaults to SHA-1. */
export function signSha256(cert: forge.pki.Certificate, key: forge.pki.rsa.PrivateKey): void {
  cert.sign(key, forge.md.sha256.create());
}

/** The key identifier of a certificate: its subjectKeyIdentifier extension, or the RFC 5280 method (1) hash. */
export function keyIdentifierBytes(cert: forge.pki.Certificate): string {
  const extension: { subjectKeyIdentifier?: string } | undefined = cert.getExtension('subjectKeyIdentifier');
  if (extension?.subjectKeyIdentifier) return forge.util.hexToBytes(extension.subjectKeyIdentifier);
  return cert.generateSubjectKeyIdentifier().getBytes();
}

/**
 * Attributes read by node-forge (from a CSR or the CA certificate) ready to be written again. forge
 * keeps UTF8String values as raw UTF-8 bytes when reading but encodes them when writing, so
 * non-ASCII names (e.g. "Koperasi Simpan Pinjam Sejahtera Bérsama") would be encoded twice.
 */
export function reusableAttributes(attributes: readonly forge.pki.CertificateField[]): forge.pki.CertificateField[] {
  return attributes.map((attribute) => {
    const { type, value, valueTagClass } = attribute;
    const decoded = (valueTagClass as forge.asn1.Type | undefined) === forge.asn1.Type.UTF8 && typeof value === 'string' ? forge.util.decodeUtf8(value) : value;
    return { type, value: decoded, valueTagClass };
  });
}

/** A readable string value of a forge attribute (UTF8String values are kept as bytes by forge). */
export function attributeText(attribute: forge.pki.CertificateField | undefined): string | undefined {
  if (!attribute || typeof attribute.value !== 'string') return undefined;
  return (attribute.valueTagClass as forge.asn1.Type | undefined) === forge.asn1.Type.UTF8 ? forge.util.decodeUtf8(attribute.value) : attribute.value;
}

/** The CA as the issuing functions need it. */
export interface CaMaterial {
  certificate: forge.pki.Certificate;
  certificatePem: string;
  privateKey: forge.pki.rsa.PrivateKey;
  /** Raw bytes of the CA's key identifier, for authorityKeyIdentifier in issued certificates and the CRL. */
  keyIdentifier: string;
}
