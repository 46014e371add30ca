import { isIP } from 'node:net';
import { join } from 'node:path';
import forge from 'node-forge';
import { assertCaUsable, loadCa, type CaMaterial } from './ca.ts';
import { inspectCsr } from './csr.ts';
import { PkiError } from './errors.ts';
import { privateKeyMode, publicFileMode, writeFileAtomic } from './files.ts';
import { describeCertificate, findRecord, updateIndex, type IssuedRecord } from './inventory.ts';
import { issuedCertFile, issuedKeyFile } from './layout.ts';
import {
  defaultKeySize, generateRsaKeyPair, privateKeyToPem, randomSerial, resolveValidity, reusableAttributes,
  signSha256, subjectAttributes, type RsaKeySize, type ValidityOptions,
} from './x509.ts';

export const defaultServerDays = 397; // the CA/Browser Forum maximum for TLS server certificates
export const defaultClientDays = 365;

export interface IssueCommonOptions extends ValidityOptions {
  /** Adds a CRL distribution point (URI) to the certificate; none without it. */
  crlUrl?: string;
}

export interface IssueServerOptions extends IssueCommonOptions {
  /** DNS names and IP addresses, optionally prefixed `DNS:` / `IP:`. At least one. */
  sans: string[];
  /** Defaults to the first DNS name (or the first SAN). */
  commonName?: string;
  keySize?: RsaKeySize;
}

export interface IssueClientOptions extends IssueCommonOptions {
  partnerId: string;
  /** Defaults to the partner id. */
  commonName?: string;
  /** The partner's legal name, written as O. */
  legalName?: string;
  keySize?: RsaKeySize;
}

export interface SignCsrOptions extends IssueCommonOptions {
  partnerId: string;
}

export interface IssuedCertificate {
  record: IssuedRecord;
  certificatePem: string;
  /** Absolute paths. */
  certFile: string;
  keyFile?: string;
  /** Only when this tool generated the key. */
  privateKeyPem?: string;
}

type AltName = { type: 2; value: string } | { type: 7; ip: string };

const dnsName = /^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;
const partnerIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** `localhost`, `DNS:gw.example.go.id`, `127.0.0.1`, `IP:::1` -> a subjectAltName entry. */
export function parseSan(entry: string): AltName {
  const value = entry.replace(/^(DNS|IP):/i, '').trim();
  const forcedIp = /^IP:/i.test(entry);
  if (isIP(value) !== 0) return { type: 7, ip: value };
  if (forcedIp) throw new PkiError(`not an IP address: ${value}`);
  if (!dnsName.test(value)) throw new PkiError(`not a DNS name or IP address: ${entry}`);
  return { type: 2, value: value.toLowerCase() };
}

const sanText = (name: AltName) => (name.type === 7 ? `IP:${name.ip}` : `DNS:${name.value}`);

function assertPartnerId(partnerId: string): void {
  if (!partnerIdPattern.test(partnerId)) throw new PkiError(`partner id must be 1-64 letters, digits, '.', '_' or '-', got "${partnerId}"`);
}

function endEntityExtensions(ca: CaMaterial, kind: 'server' | 'client', altNames: AltName[], crlUrl: string | undefined): object[] {
  const extensions: object[] = [
    { name: 'basicConstraints', cA: false, critical: true },
    kind === 'server'
      ? { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true }
      : { name: 'keyUsage', digitalSignature: true, critical: true },
    kind === 'server' ? { name: 'extKeyUsage', serverAuth: true } : { name: 'extKeyUsage', clientAuth: true },
    { name: 'subjectKeyIdentifier' },
    // The CA's key identifier; forge's `keyIdentifier: true` would put the subject's own instead.
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.keyIdentifier },
  ];
  if (altNames.length > 0) extensions.push({ name: 'subjectAltName', altNames });
  if (crlUrl !== undefined) {
    if (!/^https?:\/\/\S+$/.test(crlUrl)) throw new PkiError(`the CRL URL must be an http(s) URL, got ${crlUrl}`);
    extensions.push({ name: 'cRLDistributionPoints', altNames: [{ type: 6, value: crlUrl }] });
  }
  return extensions;
}

interface Profile {
  kind: 'server' | 'client';
  partnerId: string | null;
  subject: forge.pki.CertificateField[];
  publicKey: forge.pki.rsa.PublicKey;
  privateKey?: forge.pki.rsa.PrivateKey;
  altNames: AltName[];
  defaultDays: number;
}

/** Builds, signs and records one certificate; the files and the index are written under the PKI lock. */
function issue(pkiDir: string, profile: Profile, options: IssueCommonOptions): IssuedCertificate {
  const now = options.now ?? new Date();
  const ca = loadCa(pkiDir);
  assertCaUsable(ca, now);
  const { notBefore, notAfter } = resolveValidity(options, profile.defaultDays);
  const cert = forge.pki.createCertificate();
  cert.publicKey = profile.publicKey;
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.setSubject(profile.subject);
  cert.setIssuer(reusableAttributes(ca.certificate.subject.attributes));
  cert.setExtensions(endEntityExtensions(ca, profile.kind, profile.altNames, options.crlUrl));

  return updateIndex(pkiDir, (index) => {
    let serial = randomSerial();
    while (findRecord(index, serial)) serial = randomSerial(); // 2^-127 odds, but the index is the truth
    cert.serialNumber = serial;
    signSha256(cert, ca.privateKey);
    const certificatePem = forge.pki.certificateToPem(cert);
    const described = describeCertificate(certificatePem, now);
    const record: IssuedRecord = {
      serial,
      kind: profile.kind,
      partnerId: profile.partnerId,
      commonName: described.commonName ?? '',
      subject: described.subject,
      sans: profile.altNames.map(sanText),
      notBefore: described.notBefore.toISOString(),
      notAfter: described.notAfter.toISOString(),
      fingerprint256: described.fingerprint256,
      origin: profile.privateKey ? 'generated' : 'csr',
      issuedAt: now.toISOString(),
      revokedAt: null,
      revocationReason: null,
      certFile: issuedCertFile(serial),
    };
    const result: IssuedCertificate = { record, certificatePem, certFile: join(pkiDir, record.certFile) };
    if (profile.privateKey) {
      record.keyFile = issuedKeyFile(serial);
      result.keyFile = join(pkiDir, record.keyFile);
      result.privateKeyPem = privateKeyToPem(profile.privateKey);
      writeFileAtomic(result.keyFile, result.privateKeyPem, privateKeyMode);
    }
    writeFileAtomic(result.certFile, certificatePem, publicFileMode);
    index.certificates.push(record);
    return result;
  });
}

/** A TLS server certificate (serverAuth) for the gateway's listeners, with DNS/IP subjectAltNames. */
export async function issueServer(pkiDir: string, options: IssueServerOptions): Promise<IssuedCertificate> {
  if (options.sans.length === 0) throw new PkiError('a server certificate needs at least one SAN (--san)');
  const altNames = options.sans.map(parseSan);
  const firstDns = altNames.find((name) => name.type === 2);
  const commonName = options.commonName ?? (firstDns ? firstDns.value : sanText(altNames[0]!).slice(3));
  loadCa(pkiDir); // fail before spending time on a key
  const keys = await generateRsaKeyPair(options.keySize ?? defaultKeySize);
  return issue(pkiDir, {
    kind: 'server', partnerId: null, subject: subjectAttributes({ commonName }), publicKey: keys.publicKey,
    privateKey: keys.privateKey, altNames, defaultDays: defaultServerDays,
  }, options);
}

/** A client certificate (clientAuth) for a partner, with a key generated here (handed over securely). */
export async function issueClient(pkiDir: string, options: IssueClientOptions): Promise<IssuedCertificate> {
  assertPartnerId(options.partnerId);
  const subject = subjectAttributes({ commonName: options.commonName ?? options.partnerId, organization: options.legalName, country: 'ID' });
  loadCa(pkiDir);
  const keys = await generateRsaKeyPair(options.keySize ?? defaultKeySize);
  return issue(pkiDir, {
    kind: 'client', partnerId: options.partnerId, subject, publicKey: keys.publicKey, privateKey: keys.privateKey,
    altNames: [], defaultDays: defaultClientDays,
  }, options);
}

/**
 * Signs a partner's PKCS#10 request with the client profile: the partner keeps its private key. The
 * CSR's signature (proof that the requester holds the key), key type and size are checked first;
 * the subject is taken from the CSR (CN required), requested extensions are ignored (the CA decides
 * the profile).
 */
export function signCsr(pkiDir: string, csrPem: string, options: SignCsrOptions): IssuedCertificate {
  assertPartnerId(options.partnerId);
  const csr = inspectCsr(csrPem);
  return issue(pkiDir, {
    kind: 'client', partnerId: options.partnerId, subject: reusableAttributes(csr.subject), publicKey: csr.publicKey,
    altNames: [], defaultDays: defaultClientDays,
  }, options);
}
