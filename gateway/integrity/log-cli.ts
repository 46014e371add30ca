import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import type { JSONWebKeySet } from 'jose';
import type { GatewayConfig } from '../config/schema.ts';
import { Problem } from '../errors/problem.ts';
import { withStore } from '../store/open.ts';
import type { LogName } from './checkpoints.ts';
import { clean, verifyLogs, type ChainReport, type LogReport } from './verify.ts';

/** Where the public keys come from when `--jwks` names no file: the data dir's own (keys.ts). */
export type DefaultJwks = (dataDir: string) => JSONWebKeySet;

/** A JWKS file, or a refusal that ends the command with exit code 2 (bad input). */
function readJwks(file: string): JSONWebKeySet {
  let jwks: unknown;
  try {
    jwks = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Problem('BAD_REQUEST', `--jwks ${file}: ${(error as Error).message}`);
  }
  if (!jwks || typeof jwks !== 'object' || !Array.isArray((jwks as { keys?: unknown }).keys)) throw new Problem('BAD_REQUEST', `--jwks ${file}: not a JWKS (an object with "keys")`);
  return jwks as JSONWebKeySet;
}

function describeChain(chain: ChainReport): string {
  const signed = chain.lastCheckpoint
    ? `${chain.checkpoints} checkpoints (last at ${chain.lastCheckpoint.seq}, ${chain.lastCheckpoint.at}${chain.head > chain.lastCheckpoint.seq ? `; ${chain.head - chain.lastCheckpoint.seq} rows after it, not yet signed` : ''})`
    : `${chain.checkpoints} checkpoints`;
  const verdict = chain.firstBad
    ? `TAMPERED from ${chain.firstBad.seq}: ${chain.firstBad.reason}${chain.problems > 1 ? ` (${chain.problems} problems in all)` : ''}`
    : 'intact';
  return `${chain.log} chain ${chain.chain}: ${chain.rows} rows, ${signed}: ${verdict}`;
}

function describeLog(report: LogReport): string[] {
  const lines = report.chains.map(describeChain);
  if (report.chains.length === 0) lines.push(`${report.log}: no chain yet`);
  if (report.beforeChain > 0) lines.push(`${report.log}: ${report.beforeChain} rows before the chain (written before chains began, migration 0016): not covered`);
  if (report.outsideChain) {
    lines.push(`${report.log}: ${report.outsideChain.rows} rows in no chain after chains began (the first at store seq ${report.outsideChain.firstStoreSeq}): no hash covers them`);
  }
  return lines;
}

/** The traffic rows still waiting on disk: a gap in the chain may be those. */
function spooled(dataDir: string): number {
  try {
    return readdirSync(join(dataDir, 'spool', 'traffic')).filter((name) => name.endsWith('.ndjson')).length;
  } catch {
    return 0;
  }
}

/**
 * `penghubung log verify`: recomputes the hash chains of the traffic log and the audit trail from
 * the store and checks every checkpoint's signature. Exit 0: nothing wrong; 1: something was
 * changed, removed or added (or rows are in no chain); 2: bad input.
 */
export function registerLogCommands(program: Command, configOption: Option, configFrom: (file: string | undefined) => GatewayConfig, defaultJwks?: DefaultJwks): void {
  const log = program.command('log').description('the traffic log and the audit trail: integrity');
  log.command('verify')
    .description('recompute the hash chains of the traffic log and the audit trail and check every signed checkpoint; exit 1 when a row was changed, removed or added')
    .addOption(new Option('--log <log>', 'only this log').choices(['traffic', 'audit']))
    .option('--chain <id>', 'only this chain (an instance id for the traffic log, the store id for the audit trail)')
    .option('--jwks <file>', 'the public keys checkpoints are signed with, as a JWKS (default: the data dir\'s keys)')
    .option('--json', 'the report as JSON', false)
    .addOption(configOption)
    .action(async (options: { log?: LogName; chain?: string; jwks?: string; json: boolean; config?: string }) => {
      const config = configFrom(options.config);
      let jwks: JSONWebKeySet;
      if (options.jwks) jwks = readJwks(options.jwks);
      else if (defaultJwks) jwks = defaultJwks(config.dataDir);
      else throw new Problem('BAD_REQUEST', 'no public keys to check checkpoints with: give --jwks <file>');
      const reports = await withStore(config, (store) => verifyLogs(store, { jwks, ...(options.log ? { logs: [options.log] } : {}), ...(options.chain ? { chain: options.chain } : {}) }));
      if (options.chain && reports.every((report) => report.chains.length === 0)) {
        throw new Problem('BAD_REQUEST', `no chain ${options.chain} in ${options.log ?? 'either log'}`);
      }
      const ok = clean(reports);
      if (options.json) process.stdout.write(`${JSON.stringify({ ok, logs: reports }, null, 1)}\n`);
      else {
        const lines = reports.flatMap(describeLog);
        const waiting = spooled(config.dataDir);
        if (!ok && waiting > 0) lines.push(`${waiting} traffic spool files still wait for the store in ${config.dataDir}: rows missing from this instance's chain may be in them`);
        lines.push(ok ? 'every chain is intact' : 'TAMPERING FOUND (or rows outside the chains): see above');
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      if (!ok) process.exitCode = 1;
    });
}
