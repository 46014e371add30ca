import type { Command, Option } from 'commander';
import { keysDir, SigningKeys } from './keys.ts';

/**
 * `penghubung keys list` and `penghubung keys rotate`: the gateway's signing keys under
 * `<dataDir>/keys/`. Only the data dir is needed (no store, no SSO), so `dataDirFrom` reads it
 * from the configuration when there is one, else from PENGHUBUNG_DATA_DIR or `./data`.
 */
export function registerKeysCommands(program: Command, configOption: Option, dataDirFrom: (file: string | undefined) => string): void {
  const keys = program.command('keys').description('the keys the gateway signs receipts with (docs/integrity.md)');

  keys.command('list')
    .description('every signing key, newest first: kid (RFC 7638 thumbprint), created, current or retired')
    .addOption(configOption)
    .action((options: { config?: string }) => {
      const dataDir = dataDirFrom(options.config);
      const listed = SigningKeys.describe(dataDir);
      if (listed.length === 0) {
        process.stdout.write(`no signing keys under ${keysDir(dataDir)}: the gateway makes the first one when it starts\n`);
        return;
      }
      for (const key of listed) {
        process.stdout.write(`${key.kid}  created ${key.created}  ${key.current ? 'current' : `retired${key.retired ? ` ${key.retired}` : ''}`}\n`);
      }
    });

  keys.command('rotate')
    .description('make a new current key; the older ones stop signing but stay published in /.well-known/jwks.json, so what they signed still verifies')
    .addOption(configOption)
    .action(async (options: { config?: string }) => {
      const dataDir = dataDirFrom(options.config);
      const kid = await SigningKeys.rotate(dataDir);
      process.stdout.write(`new current signing key ${kid} in ${keysDir(dataDir)}\n`
        + 'a running gateway signs with it within a second and publishes it at /.well-known/jwks.json;\n'
        + 'with several instances, copy the keys directory to each (docs/integrity.md)\n');
    });
}
