import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describeCertificate, describePemBundle, registerCertsCommands, type CertificateInUse, type PkiChange } from '../certs/index.ts';
import { registeredCertificatePems } from './registry/partners.ts';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError, loadConfig } from './config/load.ts';
import type { GatewayConfig } from './config/schema.ts';
import { Problem } from './errors/problem.ts';
import { renderErrorsDoc } from './errors/render-doc.ts';
import { ContractLoadError, loadContracts } from './registry/load-contracts.ts';
import { applyContracts, planApply } from './registry/apply.ts';
import { readSnapshot, upsertConsumers } from './registry/repository.ts';
import { cliSource, recordAudit } from './audit/audit.ts';
import { registerBackupCommands } from './registry/backup-cli.ts';
import { registerReportCommand } from './report/cli.ts';
import { registerKeysCommands } from './integrity/keys-cli.ts';
import { registerLogCommands } from './integrity/log-cli.ts';
import { registerReceiptCommands } from './integrity/receipt-cli.ts';
import { SigningKeys } from './integrity/keys.ts';
import { registerAdminCommands } from './admin-cli/index.ts';
import { BackupRefused } from './registry/backup.ts';
import type { CliServices } from './adapter-api/model.ts';
import { withStore } from './store/open.ts';
import { startGateway } from './server.ts';
import { startDemo } from './demo/profile.ts';
import { describeAdapters, discoverAdapters } from '../adapters/index.ts';
import { classifications, type RateRule } from './registry/contract.ts';

function configFrom(file: string | undefined): GatewayConfig {
  const chosen = file ?? (existsSync('penghubung.yaml') ? 'penghubung.yaml' : undefined);
  return loadConfig({ file: chosen });
}

/** SIGTERM / SIGINT: drain, flush the traffic log, exit. A second signal exits at once. */
function stopOn(close: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stderr.write(`\n${signal}: draining in-flight exchanges and flushing the traffic log...\n`);
    close().then(() => process.exit(0), (error: Error) => {
      process.stderr.write(`shutdown failed: ${error.message}\n`);
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

const program = new Command('penghubung')
  .description('Sistem Penghubung Layanan: the interoperability gateway')
  .showHelpAfterError();
const configOption = new Option('-c, --config <file>', 'configuration file (default: ./penghubung.yaml)');

program.command('start')
  .description('start the gateway with a configuration file')
  .addOption(configOption)
  .action(async (options: { config?: string }) => {
    const gateway = await startGateway(configFrom(options.config));
    stopOn(() => gateway.close());
  });

program.command('demo')
  .description('start the demo profile: SSO, sandbox upstream and gateway on loopback, embedded store')
  .addOption(configOption)
  .action(async (options: { config?: string }) => {
    const started = Date.now();
    const demo = await startDemo({ configFile: options.config });
    stopOn(() => demo.close());
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stdout.write([
      '',
      `Penghubung demo siap / ready in ${seconds} s`,
      `  internal gateway  ${demo.gateway.internal.url}    (OpenAPI: ${demo.gateway.internal.url}/openapi.json)`,
      `  partner listener  ${demo.gateway.external!.url}   (mutual TLS; demo bank files in ${demo.gateway.config.dataDir}/demo/partners/)`,
      `  admin API         ${demo.gateway.admin.url}    (clients diskominfo-noc: reads, diskominfo-admin: changes, diskominfo-approver: approvals)`,
      `  ops console       ${demo.consoleUrl}/    (sign in as ${Object.entries(demo.people).map(([user, password]) => `${user} / ${password}`).join(', ')}; kept in ${demo.peopleFile})`,
      `  SSO (OIDC)        ${demo.sso.issuer}`,
      ...Object.entries(demo.sandboxes).map(([name, s]) => `  simulator ${name.padEnd(8)}${s.url}`),
      `  public feeds      ${demo.gateway.public?.url ?? "(off)"}`,
      `  client secrets    ${demo.clientsFile}`,
      '',
      'Try it:',
      demo.curlExample,
      '',
      'As the demo bank, over mutual TLS:',
      demo.partnerCurlExample,
      '',
    ].join('\n'));
  });

program.command('apply')
  .description('load contract directories into the registry, all or nothing: new versions as drafts awaiting approval (docs/administration.md)')
  .argument('<dir...>', 'contract directories (one folder per integration)')
  .option('--dry-run', 'show what would change, version by version, and change nothing')
  .option('--bootstrap', 'the first install: take the files\' states as written (active routes at once), recorded in the audit trail as such')
  .addOption(configOption)
  .action(async (dirs: string[], options: { config?: string; dryRun?: boolean; bootstrap?: boolean }) => {
    const config = configFrom(options.config);
    const loaded = loadContracts(dirs, describeAdapters(await discoverAdapters(config.adapters.directories)));
    const mode = options.bootstrap ? 'bootstrap' : 'review';
    if (options.dryRun) {
      const plan = await withStore(config, (store) => planApply(store, loaded, mode));
      for (const entry of plan) {
        process.stdout.write(`${entry.change.padEnd(9)} ${entry.id} ${entry.version}${entry.state ? ` (${entry.state})` : ''}${entry.details.length > 0 ? `: ${entry.details.join(', ')}` : ''}\n`);
      }
      if (plan.some((entry) => entry.change === 'conflict')) process.exitCode = 1;
      return;
    }
    const summary = await withStore(config, (store) => applyContracts(store, loaded, { mode, source: cliSource() }));
    process.stdout.write(`applied ${loaded.length} contracts${mode === 'bootstrap' ? ' as written (bootstrap)' : ' (new versions as drafts)'}: ${summary.created.length} created, ${summary.updated.length} updated, ${summary.unchanged.length} unchanged (registry revision ${summary.revision})\n`);
  });

/** `--rate bkn-siasn=5/10` -> { 'bkn-siasn': { rps: 5, burst: 10 } } */
function collectRate(value: string, previous: Record<string, RateRule>): Record<string, RateRule> {
  const match = /^([a-z0-9][\w.-]*)=(\d+(?:\.\d+)?)\/(\d+)$/.exec(value);
  if (!match || Number(match[2]) <= 0 || Number(match[3]) < 1) throw new InvalidArgumentError(`expected <contract>=<rps>/<burst>, e.g. bkn-siasn=5/10, got ${value}`);
  return { ...previous, [match[1]!]: { rps: Number(match[2]), burst: Number(match[3]) } };
}

program.command('consumer')
  .description('register or update a consumer (a PD application, by its SSO client id)')
  .argument('<clientId>')
  .requiredOption('--name <name>', 'application name')
  .option('--department <name>', 'owning department (perangkat daerah)', '')
  .addOption(new Option('--clearance <class>', 'highest classification it may receive').choices([...classifications]).default('publik'))
  .addOption(new Option('--status <status>').choices(['active', 'suspended']).default('active'))
  .option('--rate <contract=rps/burst...>', 'rate override for a contract, e.g. bkn-siasn=5/10 (repeatable)', collectRate, {})
  .addOption(configOption)
  .action(async (clientId: string, options: { name: string; department: string; clearance: 'publik'; status: 'active'; rate: Record<string, RateRule>; config?: string }) => {
    const consumer = { clientId, name: options.name, department: options.department, clearance: options.clearance, status: options.status, limits: options.rate };
    const revision = await withStore(configFrom(options.config), (store) => upsertConsumers(store, [consumer]));
    process.stdout.write(`consumer ${clientId} saved (registry revision ${revision})\n`);
  });

registerBackupCommands(program, configOption, configFrom);
registerReportCommand(program, configOption, configFrom);
registerLogCommands(program, configOption, configFrom, (dataDir) => SigningKeys.publishedIn(dataDir));

program.command('check-config')
  .description('validate the configuration file and print the effective configuration')
  .addOption(configOption)
  .action((options: { config?: string }) => {
    const config = configFrom(options.config);
    process.stdout.write(`${JSON.stringify({ ...config, store: { url: config.store.url ? '(set)' : null }, redis: { url: config.redis.url ? '(set)' : null } }, null, 2)}\n`);
  });

program.command('docs')
  .description('print generated documentation')
  .argument('<topic>', 'errors')
  .action((topic: string) => {
    if (topic !== 'errors') throw new Error(`unknown topic ${topic}; known: errors`);
    process.stdout.write(renderErrorsDoc());
  });

/** The data directory, also without a configuration file (PKI commands run before the gateway is configured). */
function dataDirFrom(file: string | undefined): string {
  if (file || existsSync('penghubung.yaml')) return configFrom(file).dataDir;
  return resolve(process.env.PENGHUBUNG_DATA_DIR ?? './data');
}

/** `certs check` also covers the listeners' TLS files and every client certificate registered in the store. */
async function gatewayCertificatesInUse(file: string | undefined): Promise<CertificateInUse[]> {
  if (!file && !existsSync('penghubung.yaml')) return [];
  const config = configFrom(file);
  const found: CertificateInUse[] = [];
  for (const [listener, tls] of [['internal', config.internal.tls], ['external', config.external.tls]] as const) {
    for (const [role, path] of [['server', tls.cert], ...tls.clientCa.map((ca) => ['client CA', ca] as const)] as const) {
      if (path) found.push(...describePemBundle(readFileSync(path, 'utf8')).map((c) => ({ ...c, source: `${listener} ${role} (${path})` })));
    }
  }
  for (const [name, upstream] of Object.entries(config.upstreams)) {
    if (upstream.tls) found.push(...describePemBundle(readFileSync(upstream.tls.cert, 'utf8')).map((c) => ({ ...c, source: `client certificate towards upstream ${name} (${upstream.tls!.cert})` })));
  }
  try {
    for (const { ownerKind, ownerId, pem } of await withStore(config, registeredCertificatePems)) found.push({ ...describeCertificate(pem), source: `${ownerKind} ${ownerId} (registry)` });
  } catch (error) {
    process.stderr.write(`note: registered client certificates not checked (${(error as Error).message}); GET /admin/v1/certificates?within=N on the running gateway lists them\n`);
  }
  return found;
}

registerAdminCommands(program);

/**
 * A change to the PKI, in the audit trail of the store the configuration names. Without a
 * configuration (`--dir` alone) there is no store to record in: the command says so.
 */
async function auditPkiChange(change: PkiChange): Promise<void> {
  if (!change.config && !existsSync('penghubung.yaml')) {
    process.stderr.write(`penghubung: ${change.action} ${change.objectId} not recorded in an audit trail: no configuration (--config) names the gateway's store\n`);
    return;
  }
  await withStore(configFrom(change.config), (store) => store.transaction((tx) => recordAudit(tx, {
    ...cliSource(), action: change.action, objectType: 'pki', objectId: change.objectId, before: null, after: change.details,
  })));
}

registerCertsCommands(program, { pkiDir: (file) => join(dataDirFrom(file), 'pki'), certificatesInUse: gatewayCertificatesInUse, onChange: auditPkiChange });
registerKeysCommands(program, configOption, dataDirFrom);
registerReceiptCommands(program, configOption, dataDirFrom);

const services: CliServices = {
  async activeContracts({ config: file, directories }) {
    if (directories && directories.length > 0) {
      // Files need no store and no SSO: a configuration only adds adapter folders, when there is one.
      const extra = file || existsSync('penghubung.yaml') ? configFrom(file).adapters.directories : [];
      const loaded = loadContracts(directories, describeAdapters(await discoverAdapters(extra)));
      return loaded.map((c) => c.definition).filter((c) => c.state === 'active');
    }
    return (await withStore(configFrom(file), readSnapshot)).contracts;
  },
};
for (const { module } of (await discoverAdapters()).values()) module.cli?.(program, services);

// `penghubung certs list | head` closes the pipe early: that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
});
try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof Problem && error.code === 'BAD_REQUEST') {
    process.stderr.write(`penghubung: ${error.message}\n`);
    process.exit(2);
  }
  if (error instanceof Problem && error.code === 'CONTRACT_STATE_CONFLICT') {
    process.stderr.write(`penghubung: ${error.message}\n`);
    process.exit(1);
  }
  if (error instanceof ConfigError || error instanceof ContractLoadError || error instanceof BackupRefused) {
    process.stderr.write(`penghubung: ${error instanceof ContractLoadError ? 'contracts rejected:\n' : ''}${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`penghubung: ${(error as Error).message}\n`);
  process.exit(1);
}
