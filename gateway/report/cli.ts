import { writeFileSync } from 'node:fs';
import type { Command, Option } from 'commander';
import type { GatewayConfig } from '../config/schema.ts';
import { Problem } from '../errors/problem.ts';
import { withStore } from '../store/open.ts';
import { reportCsv, reportHtml } from './render.ts';
import { makeReport } from './spbe-report.ts';

/**
 * `penghubung report --from 2026-11-01 --to 2026-11-30 --format html|csv [--out file]`: the
 * periodic SPBE report for the Bupati (docs/console.md), from the store the gateway writes.
 */
export function registerReportCommand(program: Command, configOption: Option, configFrom: (file: string | undefined) => GatewayConfig): void {
  program.command('report')
    .description('the periodic SPBE report: per integration, PD application and partner, volume, availability, latency, service-level breaches, top errors, parked deliveries, expiring certificates and agreements')
    .requiredOption('--from <date>', 'first day of the period, YYYY-MM-DD (region time zone)')
    .requiredOption('--to <date>', 'last day of the period, YYYY-MM-DD (included)')
    .option('--format <format>', 'html (printable on A4) or csv', 'html')
    .option('-o, --out <file>', 'file to create (never overwritten); default: standard output')
    .addOption(configOption)
    .action(async (options: { from: string; to: string; format: string; out?: string; config?: string }) => {
      if (options.format !== 'html' && options.format !== 'csv') throw new Problem('BAD_REQUEST', `--format is html or csv, not ${options.format}.`);
      const config = configFrom(options.config);
      const report = await withStore(config, (store) => makeReport(store, config, options.from, options.to));
      const text = options.format === 'html' ? reportHtml(report) : reportCsv(report);
      if (options.out) {
        writeFileSync(options.out, text, { flag: 'wx', mode: 0o640 });
        process.stderr.write(`report ${options.from} to ${options.to} written to ${options.out}: ${report.totals.volume} exchanges, ${report.integrations.length} integrations\n`);
      } else process.stdout.write(text);
    });
}
