import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { loadConfig } from '../../gateway/config/load.ts';
import { registerKeysCommands } from '../../gateway/integrity/keys-cli.ts';
import { registerReceiptCommands } from '../../gateway/integrity/receipt-cli.ts';

/**
 * `penghubung keys ...` and `penghubung receipt ...` as a program of their own, run by the tests
 * in a child process (`node test/support/integrity-cli.ts receipt verify ...`): the commands as
 * gateway/cli.ts registers them, with its way of finding the data dir.
 */
const program = new Command('penghubung');
const configOption = new Option('-c, --config <file>', 'configuration file');
const dataDirFrom = (file: string | undefined) => (file ? loadConfig({ file }).dataDir : resolve(process.env.PENGHUBUNG_DATA_DIR ?? './data'));
registerKeysCommands(program, configOption, dataDirFrom);
registerReceiptCommands(program, configOption, dataDirFrom);
await program.parseAsync();
