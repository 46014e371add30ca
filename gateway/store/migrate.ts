import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Store } from './store.ts';

const migrationsDir = fileURLToPath(new URL('./migrations/', import.meta.url));

export interface Migration { version: number; name: string; sql: string }

/** `NNNN_name.sql` files, in version order. */
export function listMigrations(directory = migrationsDir): Migration[] {
  return readdirSync(directory)
    .filter((file) => /^\d{4}_[\w-]+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 4)),
      name: file.slice(5, -4),
      sql: readFileSync(`${directory}/${file}`, 'utf8'),
    }));
}

/**
 * Applies the migrations not yet recorded, each in its own transaction. An advisory lock keeps
 * several gateway instances starting at once on one PostgreSQL from racing.
 */
export async function migrate(store: Store, migrations = listMigrations()): Promise<number[]> {
  await store.exec(`create table if not exists schema_migrations (
    version integer primary key, name text not null, applied_at timestamptz not null default now())`);
  const applied: number[] = [];
  for (const migration of migrations) {
    const done = await store.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock(7405001)');
      const rows = await tx.query('select 1 from schema_migrations where version = $1', [migration.version]);
      if (rows.length > 0) return false;
      for (const statement of splitStatements(migration.sql)) await tx.query(statement);
      await tx.query('insert into schema_migrations (version, name) values ($1, $2)', [migration.version, migration.name]);
      return true;
    });
    if (done) applied.push(migration.version);
  }
  return applied;
}

/** Migrations are plain DDL: statements end with `;` at the end of a line. */
function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((statement) => statement.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean);
}
