import { existsSync } from 'node:fs';
import { Option, type Command, type CommanderError } from 'commander';
import { ConfigError, loadConfig } from '../config/load.ts';
import type { GatewayConfig } from '../config/schema.ts';
import { AdminApi } from './client.ts';
import { commandAgent, httpUrl } from './http.ts';
import { CliFailure, exitCodes, exitCodesHelp, oneLine, usageError } from './output.ts';
import { clientCredentialsToken } from './sso-token.ts';

/** Where the admin API is, who calls it, and how the answer is printed: the options of every admin command. */
export interface ConnectionOptions { adminUrl?: string; config?: string; clientId?: string; issuer?: string; json?: boolean }

/** What the gateway listens on by default (gateway/config/schema.ts): used when nothing names the admin API. */
const defaultAdminUrl = 'http://127.0.0.1:9090';

function addConnectionOptions(command: Command): Command {
  const options = [
    new Option('--admin-url <url>', `the admin API (default: admin.host and admin.port of the configuration, else ${defaultAdminUrl})`).env('PENGHUBUNG_ADMIN_URL'),
    new Option('-c, --config <file>', 'configuration file giving the admin URL and the SSO issuer (default: ./penghubung.yaml when present)'),
    new Option('--client-id <id>', 'get a token from the SSO by client credentials; the secret is read from PENGHUBUNG_CLIENT_SECRET only. Without it, the token in PENGHUBUNG_TOKEN is used').env('PENGHUBUNG_CLIENT_ID'),
    new Option('--issuer <url>', 'the SSO issuer, whose discovery document names the token endpoint (default: sso.issuer of the configuration)').env('PENGHUBUNG_ISSUER'),
    new Option('--json', 'print the admin API\'s answer as JSON, for scripts'),
  ];
  // Under a heading of their own: they are the same on every command.
  for (const option of options) command.addOption(option.helpGroup('Connection and output:'));
  return command;
}

/** Commander's own refusals (a missing argument, an unknown option) are usage errors: exit 2, help and version 0. */
function exitOnUsage(error: CommanderError): never {
  process.exit(error.exitCode === 0 ? 0 : exitCodes.usage);
}

/**
 * A command of the admin CLI under `parent` (a group, or one that calls the API): the exit codes
 * in its help, and commander's usage errors as one line with exit code 2 (commander's own would
 * be 1, which here means the API refused).
 */
export function adminCommand(parent: Command, name: string, description: string): Command {
  const command = parent.command(name).description(description).showHelpAfterError(false).exitOverride(exitOnUsage);
  const names: string[] = [];
  for (let at: Command | null = command; at; at = at.parent) names.unshift(at.name());
  const fullName = names.join(' ');
  command.configureOutput({ outputError: (text, write) => write(`${fullName}: ${oneLine(text.replace(/^error: /, ''))} (--help shows the usage)\n`) });
  command.addHelpText('after', exitCodesHelp);
  return command;
}

/**
 * A command that runs against the admin API: `adminCommand`, its own arguments and options
 * (`define`), then the connection options, which its help shows last.
 */
export function apiCommand(parent: Command, name: string, description: string, define: (command: Command) => Command = (command) => command): Command {
  return addConnectionOptions(define(adminCommand(parent, name, description)));
}

/** The configuration file named by --config, else ./penghubung.yaml if there is one; read at most once. */
function configReader(file: string | undefined): () => GatewayConfig | undefined {
  const chosen = file ?? (existsSync('penghubung.yaml') ? 'penghubung.yaml' : undefined);
  let config: GatewayConfig | undefined;
  return () => {
    if (chosen === undefined) return undefined;
    try {
      return (config ??= loadConfig({ file: chosen }));
    } catch (error) {
      if (error instanceof ConfigError) throw usageError(error.message);
      throw error;
    }
  };
}

function adminUrlOf(options: ConnectionOptions, config: () => GatewayConfig | undefined): URL {
  if (options.adminUrl) return httpUrl(options.adminUrl, '--admin-url (or PENGHUBUNG_ADMIN_URL)');
  const admin = config()?.admin;
  if (!admin) return new URL(defaultAdminUrl);
  // A listener on every address is reached on loopback from the same host.
  const host = admin.host === '0.0.0.0' ? '127.0.0.1' : admin.host === '::' ? '::1' : admin.host;
  return new URL(`http://${host.includes(':') ? `[${host}]` : host}:${admin.port}`);
}

/**
 * How the command gets its token: client credentials when --client-id is on the command line
 * (it is the more deliberate choice), else a token given in PENGHUBUNG_TOKEN, else client
 * credentials of PENGHUBUNG_CLIENT_ID. The secret is only ever read from the environment: a
 * command line is visible to every user of the host (ps, /proc) and kept in shell histories.
 */
function bearerOf(command: Command, options: ConnectionOptions, config: () => GatewayConfig | undefined, dispatcher: ReturnType<typeof commandAgent>): () => Promise<string> {
  const given = process.env.PENGHUBUNG_TOKEN?.trim();
  const clientId = options.clientId;
  if (given && (!clientId || command.getOptionValueSource('clientId') !== 'cli')) return () => Promise.resolve(given);
  if (!clientId) throw usageError('no credentials: set PENGHUBUNG_TOKEN to an access token, or give --client-id with the client\'s secret in PENGHUBUNG_CLIENT_SECRET');
  const secret = process.env.PENGHUBUNG_CLIENT_SECRET;
  if (!secret) throw usageError(`--client-id ${clientId} needs the client's secret in PENGHUBUNG_CLIENT_SECRET (never on the command line)`);
  const issuer = options.issuer ?? config()?.sso.issuer;
  if (!issuer) throw usageError('client credentials need the SSO issuer: --issuer, PENGHUBUNG_ISSUER, or sso.issuer of the configuration (--config)');
  return () => clientCredentialsToken(dispatcher, { issuer, clientId, secret });
}

export interface Session<T> { api: AdminApi; options: T & ConnectionOptions; json: boolean }

/**
 * Runs one command's work against the admin API. A failure ends as one line on stderr and its
 * exit code, never a stack trace; the process then ends by itself (no socket left open).
 */
export async function runAdmin<T extends object>(command: Command, work: (session: Session<T>) => Promise<void>): Promise<void> {
  const options = command.opts<T & ConnectionOptions>();
  const agent = commandAgent();
  try {
    const config = configReader(options.config);
    const api = new AdminApi(adminUrlOf(options, config), bearerOf(command, options, config, agent), agent);
    await work({ api, options, json: options.json === true });
  } catch (error) {
    const failure = error instanceof CliFailure ? error : new CliFailure(exitCodes.refused, `unexpected error: ${(error as Error)?.message ?? String(error)}`);
    process.stderr.write(`penghubung: ${oneLine(failure.message)}\n`);
    process.exitCode = failure.exitCode;
  } finally {
    await agent.close();
  }
}
