import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { describeCertificate, listCertificates, pkiPaths, registerCertsCommands, type CertificateInUse } from '../certs/index.ts';
import { loadConfig } from '../gateway/config/load.ts';
import { withStore } from '../gateway/store/open.ts';

const dayMs = 86_400_000;

/** A program like the lead's `penghubung`, with output captured and a clock the test controls. */
function cli(options: { dir: string; now?: Date; extra?: CertificateInUse[]; configs?: Array<string | undefined> }) {
  const output: string[] = [];
  // exitOverride: commander throws instead of exiting; its usage errors are asserted, not printed.
  const program = new Command('penghubung').exitOverride().configureOutput({ writeErr: () => undefined });
  registerCertsCommands(program, {
    pkiDir: (configFile) => {
      options.configs?.push(configFile);
      return options.dir;
    },
    write: (text) => void output.push(text),
    now: () => options.now ?? new Date(),
    certificatesInUse: () => options.extra ?? [],
  });
  return {
    output,
    run: async (...args: string[]) => {
      output.length = 0;
      process.exitCode = undefined;
      await program.parseAsync(['certs', ...args], { from: 'user' });
      return { exitCode: process.exitCode ?? 0, text: output.join('') };
    },
  };
}

describe('penghubung certs (commander)', () => {
  let work: string;
  let dir: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'certs-cli-'));
    dir = join(work, 'pki');
    const { run } = cli({ dir });
    expect((await run('init-ca', '--cn', 'CA Uji Penghubung')).text).toMatch(/CA created in .*\n.*ca\.cert\.pem/);
    expect((await run('issue-server', '--san', 'localhost', '127.0.0.1', '--san', 'gw.penghubung.test', '--days', '20')).text).toContain('SANs         DNS:localhost, IP:127.0.0.1, DNS:gw.penghubung.test');
    expect((await run('issue-client', '--partner', 'bank-a', '--org', 'PT Bank A', '--days', '200')).text).toContain('subject      C=ID, O=PT Bank A, CN=bank-a');
  });

  afterEach(() => {
    process.exitCode = undefined;
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('check exits 0 when nothing in use expires within the window, 1 with a line per expiring certificate otherwise', async () => {
    const { run } = cli({ dir });
    const quiet = await run('check', '--within', '10');
    expect(quiet.exitCode).toBe(0);
    expect(quiet.text).toContain('3 certificates in use, 0 expire within 10 days');
    const warned = await run('check', '--within', '30');
    expect(warned.exitCode).toBe(1);
    const lines = warned.text.split('\n').filter((line) => line.startsWith('EXPIRING'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/expires in 19 days {2}server localhost \(issued\/[0-9a-f]{32}\.cert\.pem\) {2}CN=localhost {2}sha256 [0-9a-f]{64}/);
    expect(warned.text).not.toContain('bank-a');
  });

  it('check includes --cert files (here an ECDSA P-256 certificate from another CA) and certificates the lead adds', async () => {
    const foreign = join(work, 'bsre-like.pem');
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(work, 'ec.key'),
      '-out', foreign, '-days', '5', '-subj', '/O=CA Lain/CN=mitra-ec'], { encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    expect(describeCertificate(readFileSync(foreign, 'utf8'))).toMatchObject({ keyType: 'ec', keyBits: 256, commonName: 'mitra-ec' });
    const withFile = await cli({ dir }).run('check', '--within', '10', '--cert', foreign);
    expect(withFile.exitCode).toBe(1);
    expect(withFile.text).toMatch(new RegExp(`EXPIRING .* ${foreign.replaceAll('.', '\\.')} {2}O=CA Lain, CN=mitra-ec`));

    const registry: CertificateInUse = { ...describeCertificate(readFileSync(foreign, 'utf8')), source: 'partner mitra-ec (registry)' };
    const withExtra = await cli({ dir, extra: [registry] }).run('check', '--within', '10');
    expect(withExtra.exitCode).toBe(1);
    expect(withExtra.text).toContain('partner mitra-ec (registry)');
  });

  it('check reports already expired certificates, and a revoked one no longer counts', async () => {
    const later = new Date(Date.now() + 25 * dayMs);
    const { run } = cli({ dir, now: later });
    const expired = await run('check', '--within', '1');
    expect(expired.exitCode).toBe(1);
    expect(expired.text).toMatch(/^EXPIRED .*expired 5 days ago {2}server localhost/m);

    const server = listCertificates(dir).find((r) => r.kind === 'server')!;
    const revoked = await cli({ dir }).run('revoke', server.serial, '--reason', 'superseded');
    expect(revoked.text).toMatch(new RegExp(`serial ${server.serial} \\(CN=localhost\\) revoked \\(superseded\\)\\n  CRL #2 written`));
    expect((await cli({ dir }).run('check', '--within', '30')).exitCode).toBe(0);
    expect((await cli({ dir }).run('revoke', server.serial)).text).toContain('was already revoked');
  });

  it('check fails when the CRL is about to pass its nextUpdate; `certs crl` signs a fresh one', async () => {
    const inSixDays = new Date(Date.now() + 6.5 * dayMs);
    const stale = await cli({ dir, now: inSixDays }).run('check', '--within', '1');
    expect(stale.exitCode).toBe(1);
    expect(stale.text).toMatch(/CRL {7}the CRL .*crl\.pem is within a day of its nextUpdate .*; run `penghubung certs crl`/);
    expect((await cli({ dir, now: inSixDays }).run('crl', '--crl-days', '7')).text).toMatch(/CRL #3 written to .*crl\.pem/);
    expect((await cli({ dir, now: inSixDays }).run('check', '--within', '1')).exitCode).toBe(0);
  });

  it('list prints every issued certificate with its status; --json gives the records', async () => {
    const { run } = cli({ dir });
    const table = (await run('list')).text;
    expect(table).toMatch(/^serial +kind +partner +status +not after +days +subject$/m);
    expect(table).toMatch(/client {2}bank-a +valid +\d{4}-\d\d-\d\d +199 {2}C=ID, O=PT Bank A, CN=bank-a/);
    expect(table).toMatch(/server {2}- +revoked/);
    const rows = JSON.parse((await run('list', '--json')).text) as Array<{ partnerId: string | null; status: string }>;
    expect(rows.map((r) => [r.partnerId, r.status])).toEqual([[null, 'revoked'], ['bank-a', 'valid']]);
  });

  it('sign-csr signs an RSA CSR file and refuses an EC one with the explanation', async () => {
    const csrFor = (name: string, newKey: string[]) => {
      const csr = join(work, `${name}.csr`);
      const made = spawnSync('openssl', ['req', '-new', ...newKey, '-nodes', '-keyout', join(work, `${name}.key`), '-out', csr, '-subj', `/CN=${name}`], { encoding: 'utf8' });
      expect(made.status, made.stderr).toBe(0);
      return csr;
    };
    const signed = await cli({ dir }).run('sign-csr', csrFor('notaris-b', ['-newkey', 'rsa:2048']), '--partner', 'notaris-b', '--days', '90');
    expect(signed.text).toContain('client certificate issued');
    expect(signed.text).not.toContain('key          '); // the partner kept its key
    const renamed = await cli({ dir }).run('sign-csr', csrFor('nama-lain', ['-newkey', 'rsa:2048']), '--partner', 'notaris-c');
    expect(renamed.text).toContain('note: the CSR\'s CN "nama-lain" differs from partner id "notaris-c"');
    await expect(cli({ dir }).run('sign-csr', csrFor('bank-ec', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']), '--partner', 'bank-ec'))
      .rejects.toThrow(/EC \(ECDSA\) P-256.*node-forge/);
  });

  it('resolves the PKI directory through the lead\'s callback with --config, and --dir overrides it', async () => {
    const configs: Array<string | undefined> = [];
    await cli({ dir, configs }).run('list', '-c', 'penghubung.yaml');
    expect(configs).toEqual(['penghubung.yaml']);
    const other = join(work, 'other-pki');
    const viaDir = cli({ dir, configs });
    await viaDir.run('init-ca', '--dir', other, '--days', '30', '--key-size', '3072');
    expect(configs).toEqual(['penghubung.yaml']); // not asked again
    expect(readFileSync(pkiPaths(other).caCert, 'utf8')).toMatch(/BEGIN CERTIFICATE/);
    expect(describeCertificate(readFileSync(pkiPaths(other).caCert, 'utf8'))).toMatchObject({ keyBits: 3072, isCa: true, daysLeft: 29 });
  });

  it('rejects bad numbers and choices before touching anything', async () => {
    const index = readFileSync(pkiPaths(dir).index, 'utf8');
    await expect(cli({ dir }).run('issue-server', '--san', 'x.test', '--days', '0')).rejects.toThrow(/whole number >= 1/);
    await expect(cli({ dir }).run('issue-client', '--partner', 'p', '--key-size', '1024')).rejects.toThrow(/Allowed choices are 2048, 3072, 4096/);
    await expect(cli({ dir }).run('revoke', 'abc', '--reason', 'certificateHold')).rejects.toThrow(/Allowed choices/);
    expect(readFileSync(pkiPaths(dir).index, 'utf8')).toBe(index);
  });
});

describe('penghubung certs: changes in the audit trail', () => {
  it('records the CA made, certificates issued and revoked, and CRLs signed, in the store the configuration names', async () => {
    const work = mkdtempSync(join(tmpdir(), 'certs-audit-'));
    try {
      const config = join(work, 'penghubung.yaml');
      writeFileSync(config, `dataDir: ${join(work, 'data')}\nsso:\n  issuer: https://sso.example.go.id/realms/pemda\n  audience: penghubung\n`);
      const penghubung = (...args: string[]) => spawnSync(process.execPath, ['bin/penghubung.js', 'certs', ...args, '--config', config], { encoding: 'utf8', timeout: 60_000 });
      expect(penghubung('init-ca').status).toBe(0);
      expect(penghubung('issue-client', '--partner', 'bank-a', '--days', '30').status).toBe(0);
      const serial = listCertificates(join(work, 'data', 'pki')).find((record) => record.partnerId === 'bank-a')!.serial;
      expect(penghubung('revoke', serial, '--reason', 'keyCompromise').status).toBe(0);
      expect(penghubung('crl').status).toBe(0);
      const rows = await withStore(loadConfig({ file: config, env: {} }), (store) => store.db.selectFrom('audit_log').select(['action', 'object_type', 'object_id', 'actor_subject', 'after']).orderBy('seq').execute());
      expect(rows.map((row) => row.action)).toEqual(['ca.init', 'certificate.issue', 'certificate.revoke', 'ca.crl']);
      expect(rows.every((row) => row.object_type === 'pki' && row.actor_subject.startsWith('cli:'))).toBe(true);
      expect(rows[2]).toMatchObject({ object_id: serial });
      expect(JSON.parse(rows[2]!.after!)).toMatchObject({ reason: 'keyCompromise' });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 120_000);

  it('says so when no configuration names a store to record in (--dir alone)', () => {
    const work = mkdtempSync(join(tmpdir(), 'certs-noaudit-'));
    try {
      const made = spawnSync(process.execPath, [join(process.cwd(), 'bin/penghubung.js'), 'certs', 'init-ca', '--dir', join(work, 'pki')], { encoding: 'utf8', timeout: 60_000, cwd: work });
      expect(made.status).toBe(0);
      expect(made.stderr).toMatch(/ca\.init .* not recorded in an audit trail: no configuration \(--config\) names the gateway's store/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});

