import { readFileSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { initCa } from './ca.ts';
import { certificatesInUse, checkExpiry, crlProblem, type CertificateInUse } from './check.ts';
import { revocationReasons, type RevocationReason } from './crl.ts';
import { issueClient, issueServer, signCsr, type IssuedCertificate } from './issue.ts';
import { listCertificates } from './inventory.ts';
import { refreshCrl, revoke } from './revoke.ts';
import { rsaKeySizes, type RsaKeySize } from './x509.ts';

export interface CertsCliOptions {
  /** The PKI directory for a configuration file (the gateway: `<dataDir>/pki`). `--dir` overrides it. */
  pkiDir: (configFile?: string) => string;
  /**
   * More certificates in use for `certs check`, e.g. partner certificates in the registry and the
   * gateway's own server certificate.
   */
  certificatesInUse?: (configFile?: string) => Promise<CertificateInUse[]> | CertificateInUse[];
  /** Where output goes (tests capture it); process.stdout by default. */
  write?: (text: string) => void;
  /** Told of every change to the PKI once it is made: the gateway records it in its audit trail. */
  onChange?: (change: PkiChange) => Promise<void> | void;
  now?: () => Date;
}

/** A change to the PKI: the CA made, a certificate issued or revoked, a CRL signed. */
export interface PkiChange {
  action: 'ca.init' | 'certificate.issue' | 'certificate.revoke' | 'ca.crl';
  /** The certificate's serial, or the CA's; the CRL's number. */
  objectId: string;
  details: Record<string, unknown>;
  /** The configuration file the command was given, if any. */
  config?: string;
}

interface Common {
  config?: string;
  dir?: string;
}

interface Validity {
  days?: number;
  keySize?: string;
  crlUrl?: string;
}

function positiveInt(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError('must be a whole number >= 1');
  return parsed;
}

/** `--san a b`, `--san a,b` and repeated `--san` all work. */
function collectList(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((v) => v.trim()).filter((v) => v.length > 0)];
}

const keySizeOption = () => new Option('--key-size <bits>', 'RSA key size').choices(rsaKeySizes.map(String)).default('2048');
const daysOption = (what: string) => new Option('--days <n>', `validity in days (default: ${what})`).argParser(positiveInt);
const crlUrlOption = () => new Option('--crl-url <url>', 'add a CRL distribution point (http URL where crl.pem is published)');
const crlDaysOption = () => new Option('--crl-days <n>', 'days until the CRL nextUpdate (default: 7)').argParser(positiveInt);

/** Adds `certs init-ca|issue-server|issue-client|sign-csr|revoke|crl|list|check` to a commander program. */
export function registerCertsCommands(program: Command, options: CertsCliOptions): Command {
  const write = options.write ?? ((text: string) => void process.stdout.write(text));
  const now = options.now ?? (() => new Date());
  const dirOf = (common: Common) => common.dir ?? options.pkiDir(common.config);
  const changed = async (common: Common, change: Omit<PkiChange, 'config'>) => options.onChange?.({ ...change, ...(common.config ? { config: common.config } : {}) });
  const issuedChange = (common: Common, issued: IssuedCertificate) => changed(common, {
    action: 'certificate.issue',
    objectId: issued.record.serial,
    details: { kind: issued.record.kind, subject: issued.record.subject, partnerId: issued.record.partnerId ?? null, notAfter: issued.record.notAfter, fingerprint256: issued.record.fingerprint256 },
  });
  const withCommon = (command: Command) => command
    .addOption(new Option('-c, --config <file>', 'configuration file (default: ./penghubung.yaml); the PKI directory is <dataDir>/pki'))
    .addOption(new Option('--dir <pkiDir>', 'PKI directory (overrides the configuration)'));
  const printIssued = (what: string, issued: IssuedCertificate) => write([
    `${what} issued: serial ${issued.record.serial}`,
    `  subject      ${issued.record.subject}`,
    ...(issued.record.sans.length > 0 ? [`  SANs         ${issued.record.sans.join(', ')}`] : []),
    `  valid        ${issued.record.notBefore} .. ${issued.record.notAfter}`,
    `  SHA-256      ${issued.record.fingerprint256}`,
    `  certificate  ${issued.certFile}`,
    ...(issued.keyFile ? [`  key          ${issued.keyFile} (mode 0600; hand it over securely, never by e-mail in clear)`] : []),
    '',
  ].join('\n'));

  const certs = program.command('certs').description('PKI tooling: development CA, server and partner certificates, CRL, expiry checks');

  withCommon(certs.command('init-ca').description('create the development CA (key, self-signed certificate, empty CRL)'))
    .option('--cn <name>', 'CA common name', 'Penghubung Dev CA')
    .option('--org <name>', 'CA organization', 'Diskominfo (demo)')
    .addOption(daysOption('3650'))
    .addOption(keySizeOption())
    .addOption(crlDaysOption())
    .action(async (o: Common & Validity & { cn: string; org: string; crlDays?: number }) => {
      const dir = dirOf(o);
      const ca = await initCa(dir, { commonName: o.cn, organization: o.org, days: o.days, keySize: Number(o.keySize) as RsaKeySize, crlDays: o.crlDays, now: now() });
      write(`CA created in ${dir}\n  certificate  ${ca.certFile}\n  key          ${ca.keyFile} (mode 0600)\n  CRL          ${ca.crlFile}\n  serial       ${ca.serial}\n  SHA-256      ${ca.fingerprint256}\n  valid until  ${ca.notAfter.toISOString()}\n`);
      await changed(o, { action: 'ca.init', objectId: ca.serial, details: { commonName: o.cn, organization: o.org, fingerprint256: ca.fingerprint256, notAfter: ca.notAfter.toISOString() } });
    });

  withCommon(certs.command('issue-server').description('issue a TLS server certificate (serverAuth) with subjectAltNames'))
    .requiredOption('--san <name...>', 'DNS names / IP addresses (DNS:/IP: prefixes optional)', collectList)
    .option('--cn <name>', 'common name (default: the first DNS name)')
    .addOption(daysOption('397'))
    .addOption(keySizeOption())
    .addOption(crlUrlOption())
    .action(async (o: Common & Validity & { san: string[]; cn?: string }) => {
      const issued = await issueServer(dirOf(o), {
        sans: o.san, commonName: o.cn, days: o.days, keySize: Number(o.keySize) as RsaKeySize, crlUrl: o.crlUrl, now: now(),
      });
      printIssued('server certificate', issued);
      await issuedChange(o, issued);
    });

  withCommon(certs.command('issue-client').description('issue a partner client certificate (clientAuth) with a key generated here'))
    .requiredOption('--partner <id>', 'partner id (recorded in the index; CN unless --cn)')
    .option('--cn <name>', 'common name (default: the partner id)')
    .option('--org <legal name>', 'partner legal name (O)')
    .addOption(daysOption('365'))
    .addOption(keySizeOption())
    .addOption(crlUrlOption())
    .action(async (o: Common & Validity & { partner: string; cn?: string; org?: string }) => {
      const issued = await issueClient(dirOf(o), {
        partnerId: o.partner, commonName: o.cn, legalName: o.org, days: o.days, keySize: Number(o.keySize) as RsaKeySize, crlUrl: o.crlUrl, now: now(),
      });
      printIssued('client certificate', issued);
      await issuedChange(o, issued);
    });

  withCommon(certs.command('sign-csr').description('sign a partner CSR with the client profile (the partner keeps its private key)'))
    .argument('<file>', 'PKCS#10 CSR (PEM), RSA 2048 or larger')
    .requiredOption('--partner <id>', 'partner id the certificate belongs to')
    .addOption(daysOption('365'))
    .addOption(crlUrlOption())
    .action(async (file: string, o: Common & Validity & { partner: string }) => {
      const issued = signCsr(dirOf(o), readFileSync(file, 'utf8'), { partnerId: o.partner, days: o.days, crlUrl: o.crlUrl, now: now() });
      printIssued('client certificate', issued);
      await issuedChange(o, issued);
      if (issued.record.commonName !== o.partner) {
        write(`  note: the CSR's CN "${issued.record.commonName}" differs from partner id "${o.partner}"; the gateway identifies the partner by the SHA-256 fingerprint registered to it\n`);
      }
    });

  withCommon(certs.command('revoke').description('revoke a certificate issued by this CA and write a new CRL'))
    .argument('<target>', 'serial (hex) or certificate file')
    .addOption(new Option('--reason <reason>', 'CRL reason code').choices([...revocationReasons]))
    .addOption(crlDaysOption())
    .action(async (target: string, o: Common & { reason?: RevocationReason; crlDays?: number }) => {
      const result = revoke(dirOf(o), target, { reason: o.reason, crlDays: o.crlDays, now: now() });
      if (result.alreadyRevoked || !result.crl) {
        write(`serial ${result.record.serial} was already revoked at ${result.record.revokedAt}; CRL unchanged\n`);
        return;
      }
      write(`serial ${result.record.serial} (${result.record.subject}) revoked${o.reason ? ` (${o.reason})` : ''}\n`
        + `  CRL #${result.crl.crlNumber} written to ${result.crl.file} (next update ${result.crl.nextUpdate.toISOString()})\n`);
      await changed(o, { action: 'certificate.revoke', objectId: result.record.serial, details: { subject: result.record.subject, reason: o.reason ?? null, crlNumber: result.crl.crlNumber } });
    });

  withCommon(certs.command('crl').description('sign a fresh CRL (new thisUpdate/nextUpdate); run it before nextUpdate, e.g. daily'))
    .addOption(crlDaysOption())
    .action(async (o: Common & { crlDays?: number }) => {
      const crl = refreshCrl(dirOf(o), { crlDays: o.crlDays, now: now() });
      write(`CRL #${crl.crlNumber} written to ${crl.file} (next update ${crl.nextUpdate.toISOString()})\n`);
      await changed(o, { action: 'ca.crl', objectId: String(crl.crlNumber), details: { nextUpdate: crl.nextUpdate.toISOString() } });
    });

  withCommon(certs.command('list').description('list the certificates issued by this CA'))
    .option('--json', 'print JSON')
    .action((o: Common & { json?: boolean }) => {
      const rows = listCertificates(dirOf(o), now());
      if (o.json) return write(`${JSON.stringify(rows, null, 2)}\n`);
      if (rows.length === 0) return write('no certificates issued yet\n');
      write(`${['serial'.padEnd(32), 'kind  ', 'partner'.padEnd(16), 'status'.padEnd(13), 'not after ', 'days', 'subject'].join('  ')}\n`);
      for (const r of rows) {
        write(`${[r.serial.padEnd(32), r.kind.padEnd(6), (r.partnerId ?? '-').padEnd(16), r.status.padEnd(13), r.notAfter.slice(0, 10), String(r.daysLeft).padStart(4), r.subject].join('  ')}\n`);
      }
    });

  withCommon(certs.command('check').description('exit 1 when a certificate in use expires within --within days (or the CRL is stale)'))
    .addOption(new Option('--within <days>', 'window in days').argParser(positiveInt).default(30))
    .option('--cert <file...>', 'more certificate files in use (chains allowed)')
    .action(async (o: Common & { within: number; cert?: string[] }) => {
      const at = now();
      const dir = dirOf(o);
      const inUse = [...certificatesInUse(dir, { files: o.cert ?? [], now: at }), ...(await options.certificatesInUse?.(o.config) ?? [])];
      const findings = checkExpiry(inUse, o.within, at);
      for (const f of findings) {
        const when = f.expired ? `expired ${Math.floor((at.getTime() - f.notAfter.getTime()) / 86_400_000)} days ago` : `expires in ${f.daysLeft} days`;
        write(`${f.expired ? 'EXPIRED ' : 'EXPIRING'}  ${f.notAfter.toISOString()}  ${when}  ${f.source}  ${f.subject}  sha256 ${f.fingerprint256}\n`);
      }
      const crl = crlProblem(dir, at);
      if (crl) write(`CRL       ${crl}\n`);
      write(`${inUse.length} certificates in use, ${findings.length} expire within ${o.within} days${crl ? ', CRL needs attention' : ''}\n`);
      if (findings.length > 0 || crl) process.exitCode = 1;
    });

  return certs;
}
