import { InvalidArgumentError, type Command } from 'commander';
import type { ContractVersionRecord } from '../registry/contract-versions.ts';
import type { AdminApi } from './client.ts';
import { adminCommand, apiCommand, runAdmin } from './connection.ts';
import { contractDocumentFromFile } from './contract-document.ts';
import { diffContracts, renderDiff } from '../registry/contract-diff.ts';
import { print, printJson, shortTime, table, usageError } from './output.ts';

/** A contract in `GET /admin/v1/contracts`; `dataOwner` where the gateway reports it. */
interface ContractSummary { id: string; title: string; integration: string; dataOwner?: string | null; versions: { version: string; state: string }[] }

const contractPath = (id: string) => `/admin/v1/contracts/${encodeURIComponent(id)}`;
const versionPath = (id: string, version: string) => `${contractPath(id)}/versions/${encodeURIComponent(version)}`;

/** A calendar day as the API takes it, checked here so that a typo is a usage error before anything is sent. */
function day(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)) || new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value) {
    throw new InvalidArgumentError('expected a date YYYY-MM-DD, e.g. 2026-12-01');
  }
  return value;
}

/** Who did what when, one line per step the version went through. */
function stepLines(record: ContractVersionRecord): string[] {
  const rows: string[][] = [];
  const add = (name: string, step: { by: string | null; at: string } | undefined, more = '') => {
    if (step) rows.push([name, shortTime(step.at), step.by ?? '(file)', more]);
  };
  add('created', record.created);
  if (record.changed.at !== record.created.at || record.changed.by !== record.created.by) add('changed', record.changed);
  add('submitted', record.submitted);
  const letter = record.approved?.recommendation;
  add('approved', record.approved, letter ? `recommendation ${letter.number} of ${letter.date}${letter.note ? `: ${letter.note}` : ''}` : '');
  add('rejected', record.rejected, record.rejected?.note ?? '');
  add('activated', record.activated);
  add('deprecated', record.deprecated, record.deprecated?.sunsetAt ? `sunset ${record.deprecated.sunsetAt.slice(0, 10)}` : '');
  add('retired', record.retired, record.retired?.note ?? '');
  return table(['', '', '', ''], rows).slice(1).map((line) => `    ${line}`);
}

function versionBlock(record: ContractVersionRecord): string[] {
  return [`  ${record.version}  ${record.state}${record.source && record.source !== 'api' ? `  (from ${record.source})` : ''}`, ...stepLines(record)];
}

/** The routing version (active or deprecated) to compare `version` with: of the same major version if there are several. */
function routingVersion(id: string, version: string, versions: ContractVersionRecord[]): ContractVersionRecord {
  const routing = versions.filter((v) => (v.state === 'active' || v.state === 'deprecated') && v.version !== version);
  const major = version.split('.')[0];
  const chosen = routing.find((v) => v.version.split('.')[0] === major) ?? (routing.length === 1 ? routing[0] : undefined);
  if (!chosen) throw usageError(`contract ${id} has no routing version to compare ${version} with${routing.length > 1 ? ` (several: ${routing.map((v) => v.version).join(', ')})` : ''}; name the other version`);
  return chosen;
}

async function showDiff(api: AdminApi, id: string, version: string, other: string | undefined, json: boolean): Promise<void> {
  const { versions } = await api.get<{ versions: ContractVersionRecord[] }>(contractPath(id));
  const from = other ?? routingVersion(id, version, versions).version;
  const stateOf = (v: string) => versions.find((record) => record.version === v)?.state;
  const [before, after] = await Promise.all([api.get<Record<string, unknown>>(versionPath(id, from)), api.get<Record<string, unknown>>(versionPath(id, version))]);
  const diff = diffContracts(id, { version: from, state: stateOf(from), definition: before }, { version, state: stateOf(version), definition: after });
  if (json) printJson(diff);
  else print(renderDiff(diff));
}

/** Each lifecycle action: its options, the body the API takes, the roles that may run it (said in its help). */
interface ActionSpec {
  description: string;
  options?: (command: Command) => Command;
  body?: (options: Record<string, string | undefined>) => unknown;
}

const actions: Record<string, ActionSpec> = {
  submit: { description: 'submit a draft for approval (role penghubung-admin)' },
  approve: {
    description: 'approve a submitted version with the Dinas recommendation letter (role penghubung-approver; not whoever created or last changed it)',
    options: (c) => c
      .requiredOption('--letter-number <number>', 'number of the Dinas recommendation letter on operation and security')
      .requiredOption('--letter-date <YYYY-MM-DD>', 'date of the letter', day)
      .option('--note <text>', 'the recommendation\'s note', ''),
    body: (o) => ({ recommendation: { number: o.letterNumber, date: o.letterDate, note: o.note ?? '' } }),
  },
  reject: {
    description: 'send a submitted version back to draft, with the reason (role penghubung-approver)',
    options: (c) => c.requiredOption('--note <text>', 'why it is rejected'),
    body: (o) => ({ note: o.note }),
  },
  activate: { description: 'put an approved version into service; it replaces the routing version of the same major version at once (role penghubung-admin)' },
  deprecate: {
    description: 'mark the active version deprecated: it still routes, with Deprecation and Sunset headers (role penghubung-admin)',
    options: (c) => c.requiredOption('--sunset <YYYY-MM-DD>', 'the day it stops being served (a day still to come)', day),
    body: (o) => ({ sunset: o.sunset }),
  },
  retire: {
    description: 'retire a deprecated version: its routes answer 410 CONTRACT_RETIRED (role penghubung-admin)',
    options: (c) => c.option('--note <text>', 'why'),
    body: (o) => (o.note === undefined ? {} : { note: o.note }),
  },
};

/** `penghubung contracts ...`: integration contracts and their lifecycle, over the admin API. */
export function registerContractCommands(program: Command): void {
  const contracts = adminCommand(program, 'contracts', 'integration contracts over the admin API: list, show, diff, create drafts, and the lifecycle (submit, approve, reject, activate, deprecate, retire)');

  apiCommand(contracts, 'list', 'every contract with its versions and their states (any admin role)')
    .action((_options: object, command: Command) => runAdmin(command, async ({ api, json }) => {
      const answer = await api.get<{ items: ContractSummary[] }>('/admin/v1/contracts');
      if (json) return printJson(answer);
      const owners = answer.items.some((c) => c.dataOwner);
      print(table(['ID', 'INTEGRATION', 'VERSIONS', ...(owners ? ['DATA OWNER'] : []), 'TITLE'], answer.items.map((c) => [
        c.id, c.integration, c.versions.map((v) => `${v.version} ${v.state}`).join(', '), ...(owners ? [c.dataOwner ?? ''] : []), c.title,
      ])));
    }));

  apiCommand(contracts, 'show', 'every version of a contract: its state, and who did what when (any admin role)', (c) => c
    .argument('<id>', 'contract id'))
    .action((id: string, _options: object, command: Command) => runAdmin(command, async ({ api, json }) => {
      const answer = await api.get<{ id: string; versions: ContractVersionRecord[] }>(contractPath(id));
      if (json) return printJson(answer);
      print([`${answer.id}  ${answer.versions[0]?.title ?? ''}`, ...answer.versions.flatMap(versionBlock)]);
    }));

  apiCommand(contracts, 'diff', 'what changed between two versions\' definitions: contract fields, operations added, removed or changed (any admin role)', (c) => c
    .argument('<id>', 'contract id')
    .argument('<version>', 'the version to look at')
    .argument('[other-version]', 'the version to compare it with (default: the routing version, active or deprecated, of the same major version)'))
    .action((id: string, version: string, other: string | undefined, _options: object, command: Command) => runAdmin(command, ({ api, json }) => showDiff(api, id, version, other, json)));

  apiCommand(contracts, 'create', 'send a contract file as a new draft (a new contract, or a new version of one), its schema files inline (role penghubung-admin)', (c) => c
    .argument('<file>', 'contract file (YAML, as under contracts/); its state is ignored: it becomes a draft'))
    .action((file: string, _options: object, command: Command) => runAdmin(command, async ({ api, json }) => {
      const document = contractDocumentFromFile(file);
      const { body } = await api.post<ContractVersionRecord>('/admin/v1/contracts', document);
      if (json) return printJson(body);
      print(`${body.id} ${body.version}: created as a draft by ${body.created.by ?? '?'}; next: penghubung contracts submit ${body.id} ${body.version}`);
    }));

  for (const [name, spec] of Object.entries(actions)) {
    const withOptions = spec.options ?? ((c: Command) => c);
    apiCommand(contracts, name, spec.description, (c) => withOptions(c.argument('<id>', 'contract id').argument('<version>', 'version, e.g. 1.1.0'))).action((id: string, version: string, _options: object, self: Command) => runAdmin<Record<string, string | undefined>>(self, async ({ api, json, options }) => {
      const { body } = await api.post<ContractVersionRecord>(`${versionPath(id, version)}/${name}`, spec.body ? spec.body(options) : undefined);
      if (json) return printJson(body);
      print([`${body.id} ${body.version}: ${body.state}`, ...stepLines(body)]);
    }));
  }
}
