import { readFileSync, writeFileSync } from 'node:fs';
import type { Command, Option } from 'commander';
import type { GatewayConfig } from '../config/schema.ts';
import { cliSource } from '../audit/audit.ts';
import { withStore } from '../store/open.ts';
import { BackupRefused, checkBackup, compareWithStore, exportBackup, restoreBackup, type TableCounts } from './backup.ts';

const countsTable = (counts: TableCounts) => Object.entries(counts).map(([table, { now, backup }]) => `  ${table.padEnd(20)} ${String(now).padStart(6)} now -> ${String(backup).padStart(6)} in the backup`).join('\n');

/** `penghubung backup` and `penghubung restore`: the registry and the adapters' documents, as one JSON file. */
export function registerBackupCommands(program: Command, configOption: Option, configFrom: (file: string | undefined) => GatewayConfig): void {
  program.command('backup')
    .description('write the registry (contracts, consumers, partners, certificates, agreements), the documents adapters keep and the audit trail to one JSON file')
    .requiredOption('-o, --out <file>', 'file to create (never overwritten)')
    .addOption(configOption)
    .action(async (options: { out: string; config?: string }) => {
      const backup = await withStore(configFrom(options.config), exportBackup);
      // The registry names every partner and application: readable by its owner only.
      writeFileSync(options.out, `${JSON.stringify(backup, null, 1)}\n`, { flag: 'wx', mode: 0o600 });
      const rows = Object.entries(backup.tables).map(([table, list]) => `${table} ${list.length}`).join(', ');
      process.stdout.write(`backup written to ${options.out}: ${rows} (registry revision ${backup.registryRevision}, sha256 ${backup.sha256})\n`);
    });

  program.command('restore')
    .description('replace the registry and the adapters\' documents with a backup (all or nothing); without --replace, only show what would change')
    .argument('<file>', 'a file written by `penghubung backup` or GET /admin/v1/backup')
    .option('--replace', 'replace what the store holds now', false)
    .addOption(configOption)
    .action(async (file: string, options: { replace: boolean; config?: string }) => {
      let backup;
      try {
        backup = checkBackup(JSON.parse(readFileSync(file, 'utf8')));
      } catch (error) {
        throw new BackupRefused(`${file}: ${(error as Error).message}`);
      }
      await withStore(configFrom(options.config), async (store) => {
        if (!options.replace) {
          process.stdout.write(`${file} (taken ${backup.createdAt}, registry revision ${backup.registryRevision}) would replace:\n${countsTable(await compareWithStore(store, backup))}\n`
            + `and add to the audit trail those of its ${backup.tables.audit_log.length} audit rows the store lacks\nnothing changed; add --replace to restore\n`);
          return;
        }
        const { revision, counts, auditRowsAdded } = await restoreBackup(store, backup, cliSource());
        process.stdout.write(`restored ${file} (taken ${backup.createdAt}):\n${countsTable(counts)}\n`
          + `audit trail: ${auditRowsAdded} rows of the backup added (its rows are never replaced), and this restore recorded\n`
          + `registry revision ${revision}: running gateways on this store apply it within their poll interval\n`);
      });
    });
}
