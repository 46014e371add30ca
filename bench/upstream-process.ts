// An integration's simulator (adapters/<integration>/sandbox.ts) in a process of its own, so its
// CPU time is not mixed with a proxy's. Its accounts are random values written as files under
// `--secrets-dir`, as the demo profile does; the gateway gets them as `file:` references.
// `node bench/upstream-process.ts [--integration sandbox] [--secrets-dir DIR] [--port N]`
// Prints {"pid", "url", "upstream", "credentials"} as one JSON line once listening.
import { discoverSandboxes } from '../adapters/index.ts';
import { simulatorAccounts } from '../gateway/demo/profile.ts';
import { exitWith, hello, helperOptions } from './helper.ts';

const options = helperOptions(['integration', 'secrets-dir', 'port']);
const integration = options.integration ?? 'sandbox';
const sandbox = (await discoverSandboxes()).get(integration);
if (!sandbox?.upstream) throw new Error(`no simulator for an integration named ${integration}`);
const names = sandbox.credentials ?? [];
if (names.length > 0 && !options['secrets-dir']) throw new Error(`--secrets-dir is required: ${integration} has accounts`);
const accounts = names.length > 0 ? simulatorAccounts(options['secrets-dir']!, sandbox.upstream, names) : { values: {}, references: {} };
const running = await sandbox.start({ host: '127.0.0.1', port: Number(options.port ?? 0), credentials: accounts.values, publicUrl: 'http://127.0.0.1' });
exitWith(() => running.close());
hello({ url: running.url, upstream: sandbox.upstream, credentials: accounts.references });
