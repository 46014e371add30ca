import type { Command } from 'commander';
import { type CliServices, classifications, type Classification } from '../../gateway/adapter-api/index.ts';
import { exportForSplp, writeSplpExport } from './export.ts';

interface ExportOptions { out: string; gatewayUrl: string; region?: string; include?: string; tokenUrl?: string; from?: string[]; config?: string }

/** `penghubung splp export`: the region's active contracts as OpenAPI 3.0 files for the SPLP publisher. */
export function registerSplpCommands(program: Command, services: CliServices): void {
  const splp = program.command('splp').description('SPLP, the national Sistem Penghubung Layanan Pemerintah');
  splp.command('export')
    .description('write the active contracts as OpenAPI 3.0.3 documents ready to import into the SPLP publisher')
    .requiredOption('--out <dir>', 'directory for <contract id>.openapi.json files')
    .requiredOption('--gateway-url <url>', 'base URL of this gateway as SPLP reaches it')
    .option('--region <name>', 'the region, shown in each API title')
    .option('--include <classes>', `classifications to export, comma separated (${classifications.join(', ')})`, 'publik')
    .option('--token-url <url>', "the region's SSO token endpoint, documented as OAuth2 client credentials")
    .option('--from <dir...>', 'read contract directories instead of the registry (works while the gateway holds the embedded store)')
    .option('-c, --config <file>', 'configuration file (default: ./penghubung.yaml)')
    .action(async (options: ExportOptions) => {
      const included = (options.include ?? 'publik').split(',').map((c) => c.trim());
      const unknown = included.filter((c) => !(classifications as readonly string[]).includes(c));
      if (unknown.length > 0) throw new Error(`--include: unknown classification ${unknown.join(', ')} (known: ${classifications.join(', ')})`);
      const contracts = await services.activeContracts({ ...(options.config ? { config: options.config } : {}), ...(options.from ? { directories: options.from } : {}) });
      const documents = exportForSplp(contracts, {
        gatewayUrl: options.gatewayUrl,
        classifications: included as Classification[],
        ...(options.region ? { region: options.region } : {}),
        ...(options.tokenUrl ? { tokenUrl: options.tokenUrl } : {}),
      });
      const files = await writeSplpExport(options.out, documents);
      for (const [i, file] of files.entries()) {
        process.stdout.write(`${file}\n`);
        for (const note of documents[i]?.notes ?? []) process.stdout.write(`  note: ${note}\n`);
      }
      process.stdout.write(`${files.length} of ${contracts.length} active contracts exported (classifications: ${included.join(', ')})\n`);
    });
}
