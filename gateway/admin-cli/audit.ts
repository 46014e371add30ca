import { InvalidArgumentError, type Command } from 'commander';
import type { AuditRecord } from '../audit/query.ts';
import type { Page } from '../store/seq-paging.ts';
import { apiCommand, runAdmin } from './connection.ts';
import { print, printJson, shortTime, table } from './output.ts';

interface AuditOptions {
  from?: string; to?: string; actor?: string; action?: string; objectType?: string; objectId?: string; requestId?: string;
  limit?: string; cursor?: string; all?: boolean;
}

function isoTime(value: string): string {
  if (Number.isNaN(Date.parse(value))) throw new InvalidArgumentError('expected an ISO 8601 time, e.g. 2026-12-01 or 2026-12-01T08:00:00+07:00');
  return value;
}

function pageSize(value: string): string {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new InvalidArgumentError('expected an integer from 1 to 1000');
  return value;
}

/** Who: the SSO subject, and the client when it is another (a person's token through an application). */
const actorText = (record: AuditRecord) => (record.actor.subject === record.actor.clientId ? record.actor.subject : `${record.actor.subject} (${record.actor.clientId})`);

/** `penghubung audit`: the audit trail, newest first, over the admin API. */
export function registerAuditCommand(program: Command): void {
  apiCommand(program, 'audit', 'the audit trail of admin changes (and traffic-log searches), newest first (any admin role)', (c) => c
    .option('--from <time>', 'rows at or after this time (ISO 8601)', isoTime)
    .option('--to <time>', 'rows before this time (ISO 8601)', isoTime)
    .option('--actor <id>', 'an SSO subject or client id')
    .option('--action <action>', 'e.g. contract.approve, consumer.suspend, traffic.read')
    .option('--object-type <type>', 'e.g. contract-version, consumer, partner')
    .option('--object-id <id>', 'e.g. sandbox-direktori@1.1.0')
    .option('--request-id <id>', 'the request that made the change')
    .option('--limit <n>', 'rows per page, 1 to 1000 (the API\'s default: 100)', pageSize)
    .option('--cursor <cursor>', 'the page after the one that gave this cursor')
    .option('--all', 'follow the cursor to the last page'))
    .action((_options: object, command: Command) => runAdmin<AuditOptions>(command, async ({ api, json, options }) => {
      const { all, cursor, ...filter } = options;
      const query = { from: filter.from, to: filter.to, actor: filter.actor, action: filter.action, objectType: filter.objectType, objectId: filter.objectId, requestId: filter.requestId, limit: filter.limit };
      const items: AuditRecord[] = [];
      let next: string | null | undefined = cursor;
      do {
        const page: Page<AuditRecord> = await api.get<Page<AuditRecord>>('/admin/v1/audit', { ...query, cursor: next ?? undefined });
        items.push(...page.items);
        next = page.nextCursor;
      } while (all && next);
      if (json) return printJson({ items, nextCursor: next ?? null });
      print(table(['AT', 'ACTOR', 'ACTION', 'OBJECT', 'REQUEST'], items.map((r) => [shortTime(r.at), actorText(r), r.action, `${r.objectType} ${r.objectId}`, r.requestId ?? ''])));
      if (next) print(`more: --cursor ${next}, or --all`);
    }));
}
