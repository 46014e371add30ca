import forge from 'node-forge';
import { PkiError } from './errors.ts';
import { attributeText, minimumRsaBits } from './x509.ts';

const rsaEncryption = '1.2.840.113549.1.1.1';
const keyAlgorithmNames: Record<string, string> = {
  '1.2.840.10045.2.1': 'EC (ECDSA)',
  '1.2.840.113549.1.1.10': 'RSA-PSS',
  '1.3.101.112': 'Ed25519',
  '1.3.101.113': 'Ed448',
  '1.2.840.10040.4.1': 'DSA',
};
const curveNames: Record<string, string> = {
  '1.2.840.10045.3.1.7': 'P-256',
  '1.3.132.0.34': 'P-384',
  '1.3.132.0.35': 'P-521',
};

/** What signing needs from a verified CSR. */
export interface InspectedCsr {
  subject: forge.pki.CertificateField[];
  commonName: string;
  publicKey: forge.pki.rsa.PublicKey;
  keyBits: number;
}

/**
 * The key algorithm of a CSR, read with forge.asn1 before forge's CSR parser, which only knows RSA
 * and would fail with "OID is not RSA" instead of saying what the partner should do.
 */
function keyAlgorithm(der: string): { oid: string; curve?: string } {
  const request = forge.asn1.fromDer(der);
  const info = (request.value as forge.asn1.Asn1[])[0]?.value as forge.asn1.Asn1[] | undefined;
  const spki = info?.[2]?.value as forge.asn1.Asn1[] | undefined;
  const algorithm = spki?.[0]?.value as forge.asn1.Asn1[] | undefined;
  const oid = algorithm?.[0];
  if (!oid || oid.type !== forge.asn1.Type.OID) throw new PkiError('not a PKCS#10 certificate request (no subject public key algorithm)');
  const parameter = algorithm[1];
  const curve = parameter?.type === forge.asn1.Type.OID ? forge.asn1.derToOid(parameter.value as string) : undefined;
  return { oid: forge.asn1.derToOid(oid.value as string), ...(curve ? { curve } : {}) };
}

/**
 * Reads and checks a partner's CSR: PEM, RSA key of at least 2048 bits, a signature made with that
 * key, and a CN in the subject. Throws a PkiError saying what to change otherwise.
 */
export function inspectCsr(pem: string): InspectedCsr {
  const block = forge.pem.decode(pem).find((b) => b.type === 'CERTIFICATE REQUEST' || b.type === 'NEW CERTIFICATE REQUEST');
  if (!block) throw new PkiError('not a PEM certificate request (no -----BEGIN CERTIFICATE REQUEST----- block)');
  let algorithm: { oid: string; curve?: string };
  try {
    algorithm = keyAlgorithm(block.body);
  } catch (error) {
    if (error instanceof PkiError) throw error;
    throw new PkiError(`not a PKCS#10 certificate request: ${(error as Error).message}`);
  }
  if (algorithm.oid !== rsaEncryption) {
    const name = keyAlgorithmNames[algorithm.oid] ?? `algorithm ${algorithm.oid}`;
    const curve = algorithm.curve ? ` ${curveNames[algorithm.curve] ?? algorithm.curve}` : '';
    throw new PkiError(
      `the CSR's key is ${name}${curve}; this CA tooling is built on node-forge, which can only issue certificates for RSA keys. ` +
      'Send an RSA CSR instead (RSA 2048 or larger, e.g. `openssl req -new -newkey rsa:2048 -nodes -keyout partner.key -out partner.csr -subj "/CN=<partner id>"`), ' +
      'or present a certificate from a CA the gateway trusts by configuration (e.g. BSrE) and have the Dinas register it.',
    );
  }
  let csr: forge.pki.CertificateSigningRequest;
  try {
    csr = forge.pki.certificationRequestFromPem(pem);
  } catch (error) {
    throw new PkiError(`cannot read the certificate request: ${(error as Error).message}`);
  }
  let signatureValid: boolean;
  try {
    signatureValid = csr.verify();
  } catch {
    signatureValid = false;
  }
  if (!signatureValid) {
    throw new PkiError('the CSR signature does not verify: the request was altered, or it was not signed with the private key it carries; create the CSR again');
  }
  const publicKey = csr.publicKey as forge.pki.rsa.PublicKey | null;
  if (!publicKey) throw new PkiError('the CSR has no public key');
  const keyBits = publicKey.n.bitLength();
  if (keyBits < minimumRsaBits) throw new PkiError(`the CSR key is RSA ${keyBits} bits; at least RSA ${minimumRsaBits} is required`);
  const commonName = attributeText(csr.subject.getField('CN') as forge.pki.CertificateField | undefined);
  if (!commonName) throw new PkiError('the CSR subject has no common name (CN); put the partner id or name in CN');
  return { subject: csr.subject.attributes, commonName, publicKey, keyBits };
}
