import type { Selectable } from 'kysely';
import type { AuditLogTable } from '../store/schema.ts';
import { newestFirst, pageOf, type Page, type PageRequest } from '../store/seq-paging.ts';
import type { Store } from '../store/store.ts';
import type { AuditEntry } from './audit.ts';

export interface AuditFilter extends PageRequest {
  /** An SSO subject or client id: rows where either is this. */
  actor?: string;
  action?: string;
  objectType?: string;
  objectId?: string;
  requestId?: string;
}

/** A row of the audit trail as the admin API shows it: the entry as recorded, its id and time. */
export interface AuditRecord extends AuditEntry {
  id: string;
  at: string;
}

/** Filters that are one column's value, each served by an index of migration 0012. */
const exactFilters = { action: 'action', objectType: 'object_type', objectId: 'object_id', requestId: 'request_id' } as const;

const parsed = (json: string | null): unknown => (json === null ? null : JSON.parse(json));

function toRecord(row: Selectable<AuditLogTable>): AuditRecord {
  return {
    id: row.id,
    at: row.at,
    actor: { subject: row.actor_subject, clientId: row.actor_client, roles: JSON.parse(row.actor_roles) as string[] },
    action: row.action,
    objectType: row.object_type,
    objectId: row.object_id,
    before: parsed(row.before),
    after: parsed(row.after),
    requestId: row.request_id,
    sourceAddress: row.source_address,
  };
}

/** Newest first, cursor-paginated on `seq` as the traffic log is (store/seq-paging.ts). */
export async function queryAudit(store: Pick<Store, 'db' | 'read'>, filter: AuditFilter): Promise<Page<AuditRecord>> {
  let rows = store.db.selectFrom('audit_log').selectAll();
  for (const [field, column] of Object.entries(exactFilters) as [keyof typeof exactFilters, (typeof exactFilters)[keyof typeof exactFilters]][]) {
    const value = filter[field];
    if (value) rows = rows.where(column, '=', value);
  }
  const actor = filter.actor;
  if (actor) rows = rows.where((eb) => eb.or([eb('actor_subject', '=', actor), eb('actor_client', '=', actor)]));
  const { query, limit } = newestFirst(rows, filter);
  return pageOf(await store.read(query), limit, toRecord);
}
