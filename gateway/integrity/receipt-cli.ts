import { readFileSync } from 'node:fs';
import type { Command, Option } from 'commander';
import type { JSONWebKeySet } from 'jose';
import { keysDir, SigningKeys } from './keys.ts';
import { MalformedReceipt, verifyReceipt, type ReceiptCheck } from './receipts.ts';

/** Input the command cannot work with (a file not there, a JWKS that is not one): exit 2, not 1. */
class BadInput extends Error {}

const compactJws = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

function readInput(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new BadInput(`${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** The JWS itself, or a file holding it (the header's value saved by the caller). */
function receiptText(argument: string): string {
  const given = argument.trim();
  return compactJws.test(given) ? given : readInput(given, 'receipt').toString('utf8').trim();
}

/** `--jwks`: a file or an http(s) URL (the gateway's `/.well-known/jwks.json`); by default the data dir's keys. */
async function jwksFrom(source: string | undefined, dataDir: () => string): Promise<JSONWebKeySet> {
  if (source === undefined) {
    const dir = dataDir();
    const published = SigningKeys.publishedIn(dir);
    if (published.keys.length === 0) throw new BadInput(`no signing keys under ${keysDir(dir)}; give the gateway's JWKS with --jwks <file or URL>`);
    return published;
  }
  let text: string;
  if (/^https?:\/\//i.test(source)) {
    const res = await fetch(source, { signal: AbortSignal.timeout(10_000) }).catch((error: Error) => {
      throw new BadInput(`JWKS ${source}: ${error.message}`);
    });
    if (!res.ok) throw new BadInput(`JWKS ${source}: HTTP ${res.status}`);
    text = await res.text();
  } else {
    text = readInput(source, 'JWKS').toString('utf8');
  }
  let jwks: unknown;
  try {
    jwks = JSON.parse(text);
  } catch {
    throw new BadInput(`JWKS ${source}: not JSON`);
  }
  if (!Array.isArray((jwks as { keys?: unknown } | null)?.keys)) throw new BadInput(`JWKS ${source}: no "keys" array`);
  return jwks as JSONWebKeySet;
}

function hashLine(name: string, compared: { expected: string; actual: string } | undefined, file: string): string {
  if (!compared) return `  ${name.padEnd(15)}(not compared: the signature failed)`;
  return compared.expected === compared.actual
    ? `  ${name.padEnd(15)}${compared.expected}  matches ${file}`
    : `  ${name.padEnd(15)}${compared.expected}  DIFFERS from ${file} (${compared.actual})`;
}

/** The receipt's fields and each check, for a person. */
export function describeCheck(check: ReceiptCheck, files: { request: string; response: string }): string {
  const r = check.receipt;
  const caller = !r ? '' : 'consumer' in r.caller ? `consumer ${r.caller.consumer}` : `partner ${r.caller.partner}, agreement ${r.caller.agreement ?? '(none)'}`;
  const lines = [
    `receipt ${check.signature ? `signed by key ${check.kid ?? '(no kid)'}` : '(signature NOT verified: the fields below are not to be trusted)'}`,
    ...(r ? [
      `  requestId      ${r.requestId}`,
      `  exchangeId     ${r.exchangeId}`,
      `  contract       ${r.contract} ${r.version}, operation ${r.operation}`,
      `  caller         ${caller}`,
      `  receivedAt     ${r.receivedAt}`,
      `  answeredAt     ${r.answeredAt}`,
      `  status         ${r.status}`,
      hashLine('requestSha256', check.request, files.request),
      hashLine('responseSha256', check.response, files.response),
    ] : ['  (the payload is not JSON)']),
    check.valid ? 'valid: the signature, the request and the response match' : `INVALID: ${check.failed ?? 'unknown'}`,
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * `penghubung receipt verify`: a receipt checked as a partner would, offline. Exit 0 when valid, 1
 * when a check fails (which one is said), 2 when the input cannot be checked at all. The exit code
 * is set here, so the command means the same whatever runs it.
 */
export function registerReceiptCommands(program: Command, configOption: Option, dataDirFrom: (file: string | undefined) => string): void {
  const receipt = program.command('receipt').description('signed receipts (Penghubung-Receipt, docs/integrity.md)');
  receipt.command('verify')
    .description('check a receipt: its signature against the JWKS, and the SHA-256 of the request and response bodies; exit 0 valid, 1 invalid, 2 bad input')
    .argument('<jws>', 'the Penghubung-Receipt header\'s value, or a file holding it')
    .requiredOption('--request <file>', 'the request body as sent (empty file for none)')
    .requiredOption('--response <file>', 'the response body as received')
    .option('--jwks <file or URL>', 'the gateway\'s JWKS (its /.well-known/jwks.json); default: the keys in the data dir')
    .addOption(configOption)
    // A missing option or argument is bad input too (commander's own exit code is 1).
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
    .action(async (jws: string, options: { request: string; response: string; jwks?: string; config?: string }) => {
      try {
        const text = receiptText(jws);
        const bodies = { request: readInput(options.request, 'request'), response: readInput(options.response, 'response') };
        const jwks = await jwksFrom(options.jwks, () => dataDirFrom(options.config));
        const check = await verifyReceipt(text, bodies, jwks);
        process.stdout.write(describeCheck(check, options));
        process.exitCode = check.valid ? 0 : 1;
      } catch (error) {
        if (!(error instanceof BadInput || error instanceof MalformedReceipt)) throw error;
        process.stderr.write(`penghubung receipt verify: ${error.message}\n`);
        process.exitCode = 2;
      }
    });
}
