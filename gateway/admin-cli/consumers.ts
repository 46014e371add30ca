import { Option, type Command } from 'commander';
import { classifications } from '../registry/contract.ts';
import type { Consumer } from '../registry/repository.ts';
import { adminCommand, apiCommand, runAdmin } from './connection.ts';
import { print, printJson, table } from './output.ts';

const consumerPath = (clientId: string) => `/admin/v1/consumers/${encodeURIComponent(clientId)}`;

/** `null`: no grant list, the token's own scopes decide (docs/administration.md). */
const scopesText = (scopes: string[] | null) => (scopes === null ? '(token scopes)' : scopes.join(',') || '(none)');

function consumerLines(consumer: Consumer): string[] {
  const rows: [string, string][] = [
    ['client id', consumer.clientId],
    ['name', consumer.name],
    ['department', consumer.department],
    ['clearance', consumer.clearance],
    ['status', consumer.status],
    ['scopes', scopesText(consumer.scopes)],
    ...Object.entries(consumer.contact).map(([key, value]): [string, string] => [`contact ${key}`, value]),
    ...Object.entries(consumer.limits).map(([contract, rule]): [string, string] => [`rate ${contract}`, `${rule.rps}/s, burst ${rule.burst}`]),
  ];
  return rows.map(([key, value]) => `${`${key}:`.padEnd(18)}${value}`);
}

interface SetOptions { name: string; department: string; clearance: string; scopes?: string | false; contactEmail?: string; status?: 'active' | 'suspended' }

/**
 * The body of `PUT /admin/v1/consumers/{clientId}`, which replaces the whole record: what the
 * command line leaves out is taken from the consumer as it is, so that changing a name does not
 * drop its rate overrides, contact or grants.
 */
function consumerBody(options: SetOptions, current: Consumer | null): Record<string, unknown> {
  const scopes = options.scopes === false ? null : options.scopes !== undefined ? options.scopes.split(',').map((s) => s.trim()).filter(Boolean) : current?.scopes ?? null;
  const contact = { ...current?.contact, ...(options.contactEmail !== undefined ? { email: options.contactEmail } : {}) };
  const status = options.status ?? current?.status;
  return {
    name: options.name,
    department: options.department,
    clearance: options.clearance,
    ...(scopes === null ? {} : { scopes }),
    ...(Object.keys(contact).length > 0 ? { contact } : {}),
    ...(status ? { status } : {}),
    ...(current && Object.keys(current.limits).length > 0 ? { limits: current.limits } : {}),
  };
}

/** `penghubung consumers ...`: PD applications (SSO clients) over the admin API. */
export function registerConsumerCommands(program: Command): void {
  const consumers = adminCommand(program, 'consumers', 'PD applications (consumers, by SSO client id) over the admin API: list, show, set');

  apiCommand(consumers, 'list', 'every registered application (any admin role)')
    .action((_options: object, command: Command) => runAdmin(command, async ({ api, json }) => {
      const answer = await api.get<{ items: Consumer[] }>('/admin/v1/consumers');
      if (json) return printJson(answer);
      print(table(['CLIENT ID', 'NAME', 'DEPARTMENT', 'CLEARANCE', 'STATUS', 'SCOPES'], answer.items.map((c) => [c.clientId, c.name, c.department, c.clearance, c.status, scopesText(c.scopes)])));
    }));

  apiCommand(consumers, 'show', 'one application: clearance, status, granted scopes, contact, rate overrides (any admin role)', (c) => c
    .argument('<clientId>', 'its SSO client id'))
    .action((clientId: string, _options: object, command: Command) => runAdmin(command, async ({ api, json }) => {
      const consumer = await api.get<Consumer>(consumerPath(clientId));
      if (json) return printJson(consumer);
      print(consumerLines(consumer));
    }));

  apiCommand(consumers, 'set', 'register an application or change it; options left out keep their current value (role penghubung-admin)', (c) => c
    .argument('<clientId>', 'its SSO client id')
    .requiredOption('--name <name>', 'application name')
    .requiredOption('--department <name>', 'owning department (perangkat daerah)')
    .addOption(new Option('--clearance <class>', 'highest classification it may receive').choices([...classifications]).makeOptionMandatory())
    .option('--scopes <a,b>', 'the scopes granted, comma separated: a token\'s scope counts only if granted')
    .option('--no-scopes', 'no grant list: the token\'s own scopes decide')
    .option('--contact-email <email>', 'who answers for the application')
    .addOption(new Option('--status <status>', 'suspended: its calls are refused').choices(['active', 'suspended'])))
    .action((clientId: string, _options: object, command: Command) => runAdmin<SetOptions>(command, async ({ api, json, options }) => {
      const current = await api.find<Consumer>(consumerPath(clientId));
      const { status, body } = await api.put<Consumer>(consumerPath(clientId), consumerBody(options, current));
      if (json) return printJson(body);
      print([`consumer ${body.clientId} ${status === 201 ? 'registered' : 'saved'}`, ...consumerLines(body)]);
    }));
}
