/** PKI tooling of Penghubung (issue 5): the functions the gateway and the CLI use. */
export { assertCaUsable, hasCa, initCa, loadCa, defaultCaDays, type CaMaterial, type InitCaOptions, type InitCaResult } from './ca.ts';
export { certificatesInUse, checkExpiry, crlProblem, type CertificateInUse, type ExpiryFinding, type InUseOptions } from './check.ts';
export { registerCertsCommands, type CertsCliOptions, type PkiChange } from './cli.ts';
export {
  buildCrl, parseCrl, defaultCrlDays, reasonCodes, revocationReasons,
  type BuildCrlOptions, type CrlReason, type ParseCrlOptions, type ParsedCrl, type RevocationReason, type RevokedEntry,
} from './crl.ts';
export { inspectCsr, type InspectedCsr } from './csr.ts';
export { PkiError } from './errors.ts';
export {
  describeCertificate, describePemBundle, listCertificates, readIndex, statusOf,
  type CertificateStatus, type DescribedCertificate, type IssuedRecord, type ListedCertificate, type PkiIndex,
} from './inventory.ts';
export {
  issueClient, issueServer, parseSan, signCsr, defaultClientDays, defaultServerDays,
  type IssueClientOptions, type IssueCommonOptions, type IssuedCertificate, type IssueServerOptions, type SignCsrOptions,
} from './issue.ts';
export { pkiPaths, type PkiPaths } from './layout.ts';
export { refreshCrl, revoke, type CrlWriteOptions, type CrlWritten, type RevokeOptions, type RevokeResult } from './revoke.ts';
export { fingerprint256, normalizeSerial, randomSerial, rsaKeySizes, type RsaKeySize, type ValidityOptions } from './x509.ts';
