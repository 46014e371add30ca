import { createHash } from 'node:crypto';
import type { Queryable, Store } from '../store/store.ts';
import { bumpRevision, currentRevision } from './revision.ts';

/**
 * What the Dinas registered and approved (contracts, consumers, partners, certificates, agreements)
 * and the documents adapters keep at the gateway (JDIHN's legal documents): the state that cannot
 * be rebuilt from anywhere else. In insertion order (agreements name partners); deleted in reverse.
 * Left out on purpose: the traffic log (an audit trail kept by its own retention, too large for one
 * document), deliveries and idempotency keys (exchanges in flight, which end within hours).
 */
export const backedUpTables = [
  { name: 'contracts', key: 'id' },
  { name: 'consumers', key: 'client_id' },
  { name: 'partners', key: 'id' },
  { name: 'client_certificates', key: 'fingerprint' },
  { name: 'agreements', key: 'number' },
  { name: 'adapter_collections', key: 'adapter, collection' },
  { name: 'adapter_documents', key: 'adapter, collection, key' },
] as const;

type TableName = (typeof backedUpTables)[number]['name'];
type Rows = Record<string, unknown>[];

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
export type TableCounts = Record<TableName, { now: number; backup: number }>;

export class BackupRefused extends Error {}

const digest = (tables: unknown) => createHash('sha256').update(JSON.stringify(tables)).digest('hex');

async function schemaVersion(db: Queryable): Promise<number> {
  const [row] = await db.query<{ version: number | null }>('select max(version)::int as version from schema_migrations');
  return row?.version ?? 0;
}

async function readTables(db: Queryable): Promise<Record<TableName, Rows>> {
  const tables = {} as Record<TableName, Rows>;
  for (const { name, key } of backedUpTables) {
    const [row] = await db.query<{ rows: Rows }>(`select coalesce(jsonb_agg(to_jsonb(t) order by ${key}), '[]'::jsonb) as rows from ${name} t`);
    tables[name] = row!.rows;
  }
  return tables;
}

/** One consistent copy (a single transaction) of every table in `backedUpTables`. */
export async function exportBackup(store: Store): Promise<Backup> {
  return store.transaction(async (tx) => {
    // Repeatable read: all tables as of one moment, though the gateway keeps serving meanwhile.
    await tx.query('set transaction isolation level repeatable read');
    // Times in UTC whatever the server's zone, so the same registry gives the same file.
    await tx.query("set local timezone to 'UTC'");
    const tables = await readTables(tx);
    return {
      format: backupFormat,
      formatVersion: backupFormatVersion,
      createdAt: new Date().toISOString(),
      schemaVersion: await schemaVersion(tx),
      registryRevision: await currentRevision(tx),
      tables,
      sha256: digest(tables),
    };
  });
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
  if (doc.sha256 !== digest(doc.tables)) throw new BackupRefused('the backup\'s SHA-256 does not match its tables: the file was damaged or edited');
  if (typeof doc.schemaVersion !== 'number') throw new BackupRefused('the backup has no "schemaVersion"');
  return doc as Backup;
}

/** Rows per table in the store now and in the backup. */
export async function compareWithStore(store: Queryable, backup: Backup): Promise<TableCounts> {
  const counts = {} as TableCounts;
  for (const { name } of backedUpTables) {
    const [row] = await store.query<{ n: number }>(`select count(*)::int as n from ${name}`);
    counts[name] = { now: row!.n, backup: backup.tables[name].length };
  }
  return counts;
}

async function columnsOf(tx: Queryable, table: string): Promise<Set<string>> {
  const rows = await tx.query<{ column_name: string }>('select column_name from information_schema.columns where table_schema = current_schema() and table_name = $1', [table]);
  return new Set(rows.map((r) => r.column_name));
}

/**
 * Replaces every table of `backedUpTables` with the backup's rows, in one transaction (all or
 * nothing), and bumps the registry revision so every running instance rebuilds its routing table.
 * A backup from an older schema restores too (columns it lacks take their defaults); one from a
 * newer gateway is refused. Document collections get revisions above any they had, so every feed
 * is rebuilt and no cached ETag matches the restored content by accident.
 */
export async function restoreBackup(store: Store, backup: Backup): Promise<{ revision: number; counts: TableCounts }> {
  return store.transaction(async (tx) => {
    const ours = await schemaVersion(tx);
    if (backup.schemaVersion > ours) throw new BackupRefused(`the backup is from a newer gateway (store schema ${backup.schemaVersion}, this store has ${ours}): upgrade this gateway first`);
    const counts = await compareWithStore(tx, backup);
    const [feeds] = await tx.query<{ top: number }>('select coalesce(max(revision), 0)::int as top from adapter_collections');
    for (const { name } of [...backedUpTables].reverse()) await tx.query(`delete from ${name}`);
    for (const { name } of backedUpTables) {
      const rows = backup.tables[name];
      if (rows.length === 0) continue;
      const known = await columnsOf(tx, name);
      const present = [...new Set(rows.flatMap((row) => Object.keys(row)))];
      const unknown = present.filter((column) => !known.has(column));
      if (unknown.length > 0) throw new BackupRefused(`table ${name} of the backup has columns this store does not: ${unknown.join(', ')}`);
      const columns = present.map((column) => `"${column}"`).join(', ');
      await tx.query(`insert into ${name} (${columns}) select ${columns} from jsonb_populate_recordset(null::${name}, $1::jsonb)`, [JSON.stringify(rows)]);
    }
    await tx.query('update adapter_collections set revision = revision + $1', [feeds!.top + 1]);
    return { revision: await bumpRevision(tx), counts };
  });
}
