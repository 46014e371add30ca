import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { recordAudit, type AuditSource } from '../audit/audit.ts';
import { schemaVersion } from '../store/migrate.ts';
import type { Queryable, Store } from '../store/store.ts';
import { majorVersion } from './contract.ts';
import { bumpRevision, currentRevision } from './revision.ts';

/**
 * What the Dinas registered and approved (contracts, consumers, partners, certificates, agreements)
 * and the documents adapters keep at the gateway (JDIHN's legal documents): the state that cannot
 * be rebuilt from anywhere else. In insertion order (agreements name partners); deleted in reverse.
 * Left out on purpose: the traffic log (an audit trail kept by its own retention, too large for one
 * document), deliveries and idempotency keys (exchanges in flight, which end within hours).
 * The audit trail is in a backup too, but never replaced: see `auditTable`.
 */
export const backedUpTables = [
  { name: 'contracts', keys: ['id', 'version'] },
  { name: 'consumers', keys: ['client_id'] },
  { name: 'partners', keys: ['id'] },
  { name: 'client_certificates', keys: ['fingerprint'] },
  { name: 'agreements', keys: ['number'] },
  { name: 'adapter_collections', keys: ['adapter', 'collection'] },
  { name: 'adapter_documents', keys: ['adapter', 'collection', 'key'] },
] as const;

/**
 * The audit trail: backed up, and on restore only added to (the rows the store lacks, by id, in
 * their order), because no one may remove or rewrite its rows, a restore included (the store's
 * triggers refuse it). `seq` is left out: it is one store's order, and the rows added take the
 * next numbers of the store they go to.
 */
const auditTable = 'audit_log';

type ReplacedTable = (typeof backedUpTables)[number]['name'];
type TableName = ReplacedTable | typeof auditTable;
type Rows = Record<string, unknown>[];

/**
 * Columns the store keeps as JSON text (schema.ts) and a backup holds as the JSON value itself
 * (objects, arrays), as backups have since the first version.
 */
const jsonColumns: Record<TableName, readonly string[]> = {
  contracts: ['definition', 'recommendation'],
  consumers: ['limits', 'scopes', 'contact'],
  partners: ['contact'],
  client_certificates: [],
  agreements: ['contracts', 'classification_exception'],
  adapter_collections: [],
  adapter_documents: ['body'],
  audit_log: ['actor_roles', 'before', 'after'],
};

/**
 * Columns holding times. A backup has them as ISO 8601 strings: `2026-12-07T19:07:56.123Z` from
 * this version, `2026-12-07T19:07:56.123456+00:00` from earlier ones (PGlite or PostgreSQL); the
 * store takes them as schema.ts has them. Calendar days (`YYYY-MM-DD`) are the same in both.
 */
const timeColumns: Record<TableName, readonly string[]> = {
  contracts: ['updated_at', 'created_at', 'changed_at', 'submitted_at', 'approved_at', 'rejected_at', 'activated_at', 'deprecated_at', 'sunset_at', 'retired_at'],
  consumers: ['created_at', 'updated_at'],
  partners: ['created_at', 'updated_at'],
  client_certificates: ['not_before', 'not_after', 'registered_at'],
  agreements: ['created_at', 'updated_at'],
  adapter_collections: [],
  adapter_documents: ['created_at', 'updated_at'],
  audit_log: ['at'],
};

/** The backed-up tables seen as plain rows of named values: a backup's rows are written and read as they come. */
type LooseDatabase = Record<TableName, Record<string, unknown>>;
const loose = (q: Queryable) => q.db as unknown as Kysely<LooseDatabase>;

/**
 * Rows per insert statement: SQLite takes a bounded number of parameters in one statement
 * (32,766 since SQLite 3.32, which node:sqlite bundles), and a table has a dozen columns at most.
 */
const insertStep = 200;

export const backupFormat = 'penghubung-backup';
export const backupFormatVersion = 1;

export interface Backup {
  format: typeof backupFormat;
  formatVersion: number;
  createdAt: string;
  /** Highest store migration of the gateway that wrote it: a store must have it to take the rows. */
  schemaVersion: number;
  registryRevision: number;
  tables: Record<TableName, Rows>;
  /** SHA-256 (hex) of `JSON.stringify(tables)`: finds a damaged or edited file before anything is replaced. */
  sha256: string;
}

/** Rows per table: what `restore` would replace, and with what. */
export type TableCounts = Record<ReplacedTable, { now: number; backup: number }>;

export class BackupRefused extends Error {}

const digest = (tables: unknown) => createHash('sha256').update(JSON.stringify(tables)).digest('hex');

/**
 * A stored row in the backup's form: JSON columns as their values. Times (ISO strings), calendar
 * days (`YYYY-MM-DD`) and numbers come from both stores as the backup has them (schema.ts).
 */
function backupRow(table: TableName, row: Record<string, unknown>): Record<string, unknown> {
  const json = jsonColumns[table];
  return Object.fromEntries(Object.entries(row).map(([column, value]) => [column, json.includes(column) && typeof value === 'string' ? JSON.parse(value) : value]));
}

/** A contract row of a backup from before versions had their own rows (schema 0013) gets its major version. */
function withMajor(row: Record<string, unknown>): Record<string, unknown> {
  return row.major === undefined ? { ...row, major: majorVersion(String(row.version)) } : row;
}

/** A backup's row as the store takes it, with every column of `columns` (one the row lacks: null). */
function storedRow(table: TableName, columns: readonly string[], row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(columns.map((column) => {
    const value = row[column] ?? null;
    if (value === null) return [column, null];
    if (jsonColumns[table].includes(column)) return [column, JSON.stringify(value)];
    if (timeColumns[table].includes(column)) {
      const time = new Date(value as string);
      if (Number.isNaN(time.getTime())) throw new BackupRefused(`table ${table} of the backup has a ${column} that is not a time: ${JSON.stringify(value)}`);
      return [column, time.toISOString()];
    }
    return [column, value];
  }));
}

async function readTables(db: Queryable): Promise<Record<TableName, Rows>> {
  const tables = {} as Record<TableName, Rows>;
  for (const { name, keys } of backedUpTables) {
    let query = loose(db).selectFrom(name).selectAll();
    for (const key of keys) query = query.orderBy(key);
    tables[name] = (await query.execute()).map((row) => backupRow(name, row));
  }
  const trail = await loose(db).selectFrom(auditTable).selectAll().orderBy('seq').execute();
  tables[auditTable] = trail.map(({ seq: _seq, ...row }) => backupRow(auditTable, row));
  return tables;
}

/** One consistent copy (a single transaction) of every table in `backedUpTables`. */
export async function exportBackup(store: Store): Promise<Backup> {
  // A snapshot: all tables as of one moment, though the gateway keeps serving meanwhile. Times
  // come as ISO strings in UTC from both stores, so the same registry gives the same file.
  return store.transaction(async (tx) => {
    const tables = await readTables(tx);
    return {
      format: backupFormat,
      formatVersion: backupFormatVersion,
      createdAt: new Date().toISOString(),
      schemaVersion: await schemaVersion(tx.db),
      registryRevision: await currentRevision(tx),
      tables,
      sha256: digest(tables),
    };
  }, { snapshot: true, readOnly: true });
}

/** Checks a parsed backup file before it touches the store; the reason names what is wrong. */
export function checkBackup(document: unknown): Backup {
  const doc = document as Partial<Backup> | null;
  if (typeof doc !== 'object' || doc === null || doc.format !== backupFormat) throw new BackupRefused(`not a Penghubung backup (no "format": "${backupFormat}")`);
  if (doc.formatVersion !== backupFormatVersion) throw new BackupRefused(`backup format version ${String(doc.formatVersion)} is not supported (this gateway reads version ${backupFormatVersion})`);
  if (typeof doc.tables !== 'object' || doc.tables === null) throw new BackupRefused('the backup has no "tables"');
  for (const { name } of backedUpTables) {
    if (!Array.isArray(doc.tables[name])) throw new BackupRefused(`the backup has no rows for table ${name}`);
  }
  if (doc.tables[auditTable] !== undefined && !Array.isArray(doc.tables[auditTable])) throw new BackupRefused(`the backup's ${auditTable} is not a list of rows`);
  if (doc.sha256 !== digest(doc.tables)) throw new BackupRefused('the backup\'s SHA-256 does not match its tables: the file was damaged or edited');
  if (typeof doc.schemaVersion !== 'number') throw new BackupRefused('the backup has no "schemaVersion"');
  // Backups written before the audit trail have none: an empty trail (after the digest check, which covers the file as written).
  return { ...doc, tables: { ...doc.tables, [auditTable]: doc.tables[auditTable] ?? [] } } as Backup;
}

/** Rows per table in the store now and in the backup. */
export async function compareWithStore(store: Queryable, backup: Backup): Promise<TableCounts> {
  const counts = {} as TableCounts;
  for (const { name } of backedUpTables) {
    const row = await store.db.selectFrom(name).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    counts[name] = { now: Number(row.n), backup: backup.tables[name].length };
  }
  return counts;
}

/** The columns of each table of the store (by the store's own catalogue, either kind). */
async function storeColumns(tx: Queryable): Promise<Map<string, Set<string>>> {
  const columns = new Map<string, Set<string>>();
  // PostgreSQL lists every schema's tables: one named alike in another schema adds its columns.
  for (const table of await tx.db.introspection.getTables()) {
    const known = columns.get(table.name) ?? new Set<string>();
    for (const column of table.columns) known.add(column.name);
    columns.set(table.name, known);
  }
  return columns;
}

/** Inserts a backup's rows into `name`, refusing a column the store does not have. */
async function insertRows(tx: Queryable, known: Map<string, Set<string>>, name: TableName, rows: Rows): Promise<void> {
  if (rows.length === 0) return;
  const present = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const unknown = present.filter((column) => !known.get(name)?.has(column));
  if (unknown.length > 0) throw new BackupRefused(`table ${name} of the backup has columns this store does not: ${unknown.join(', ')}`);
  const stored = rows.map((row) => storedRow(name, present, row));
  for (let i = 0; i < stored.length; i += insertStep) await loose(tx).insertInto(name).values(stored.slice(i, i + insertStep)).execute();
}

/**
 * Replaces every table of `backedUpTables` with the backup's rows, in one transaction (all or
 * nothing), and bumps the registry revision so every running instance rebuilds its routing table.
 * A backup from an older schema restores too (columns it lacks take their defaults); one from a
 * newer gateway is refused. Either store takes a backup either wrote, and one the earlier versions
 * wrote (PGlite or PostgreSQL, times with microseconds and an offset). Document collections get
 * revisions above any they had, so every feed is rebuilt and no cached ETag matches the restored
 * content by accident. The backup's audit rows the store lacks are added (`auditTable`), then the
 * restore's own (`backup.restore`, by `by`): the newest row of the trail.
 */
export async function restoreBackup(store: Store, backup: Backup, by: AuditSource): Promise<{ revision: number; counts: TableCounts; auditRowsAdded: number }> {
  return store.transaction(async (tx) => {
    const ours = await schemaVersion(tx.db);
    if (backup.schemaVersion > ours) throw new BackupRefused(`the backup is from a newer gateway (store schema ${backup.schemaVersion}, this store has ${ours}): upgrade this gateway first`);
    const counts = await compareWithStore(tx, backup);
    const revisionBefore = await currentRevision(tx);
    const feeds = await tx.db.selectFrom('adapter_collections').select((eb) => eb.fn.max('revision').as('top')).executeTakeFirst();
    const top = Number(feeds?.top ?? 0);
    for (const { name } of [...backedUpTables].reverse()) await tx.db.deleteFrom(name).execute();
    const known = await storeColumns(tx);
    for (const { name } of backedUpTables) await insertRows(tx, known, name, name === 'contracts' ? backup.tables.contracts.map(withMajor) : backup.tables[name]);
    const kept = new Set((await tx.db.selectFrom('audit_log').select('id').execute()).map((row) => row.id));
    const missing = backup.tables[auditTable].filter((row) => !kept.has(String(row.id)));
    await insertRows(tx, known, auditTable, missing);
    await tx.db.updateTable('adapter_collections').set((eb) => ({ revision: eb('revision', '+', top + 1) })).execute();
    const revision = await bumpRevision(tx);
    // A summary, not the registry itself: the backup file is the whole of `after`, named by its digest.
    const rows = (side: 'now' | 'backup') => Object.fromEntries(Object.entries(counts).map(([table, count]) => [table, count[side]]));
    await recordAudit(tx, {
      ...by, action: 'backup.restore', objectType: 'registry', objectId: backup.sha256,
      before: { registryRevision: revisionBefore, rows: rows('now') },
      after: { registryRevision: revision, rows: rows('backup'), backupCreatedAt: backup.createdAt, auditRowsAdded: missing.length },
    });
    return { revision, counts, auditRowsAdded: missing.length };
  });
}
