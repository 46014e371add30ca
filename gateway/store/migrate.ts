import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { Store, StoreKind } from './store.ts';

const migrationsDir = fileURLToPath(new URL('./migrations/', import.meta.url));

export interface Migration { version: number; name: string; sql: string }

/** The folder of the migrations only one store takes. */
const dialectFolder: Record<StoreKind, string> = { embedded: 'sqlite', postgres: 'postgres' };

function migrationFiles(directory: string): Migration[] {
  if (!existsSync(directory)) return [];
  return readdirSync(directory)
    .filter((file) => /^\d{4}_[\w-]+\.sql$/.test(file))
    .map((file) => ({ version: Number(file.slice(0, 4)), name: file.slice(5, -4), sql: readFileSync(join(directory, file), 'utf8') }));
}

/**
 * `NNNN_name.sql` files in version order: those in `migrations/` are written once for both stores,
 * those in `migrations/<sqlite|postgres>/` for one. A version means the same schema in both (a
 * backup names it), so a version is in one of the two places, never both.
 */
export function listMigrations(kind: StoreKind, directory = migrationsDir): Migration[] {
  const shared = migrationFiles(directory);
  const own = migrationFiles(join(directory, dialectFolder[kind]));
  const clash = own.find(({ version }) => shared.some((migration) => migration.version === version));
  if (clash) throw new Error(`migration ${clash.version} is both shared and ${dialectFolder[kind]}-only`);
  return [...shared, ...own].sort((a, b) => a.version - b.version);
}

/**
 * Applies the migrations not yet recorded, each in its own transaction. An advisory lock keeps
 * several gateway instances starting at once on one PostgreSQL from racing.
 */
export async function migrate(store: Store, migrations = listMigrations(store.kind)): Promise<number[]> {
  await store.exec(`create table if not exists schema_migrations (
    version integer primary key, name text not null, applied_at ${store.kind === 'postgres' ? 'timestamptz not null default now()' : "text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"})`);
  const applied: number[] = [];
  for (const migration of migrations) {
    const done = await store.transaction(async (tx) => {
      await tx.exclusive(7405001);
      const recorded = await tx.db.selectFrom('schema_migrations').select('version').where('version', '=', migration.version).executeTakeFirst();
      if (recorded) return false;
      for (const statement of splitStatements(migration.sql)) await sql.raw(statement).execute(tx.db);
      await tx.db.insertInto('schema_migrations').values({ version: migration.version, name: migration.name }).execute();
      return true;
    });
    if (done) applied.push(migration.version);
  }
  return applied;
}

/** The schema version a store is at: its highest migration. */
export async function schemaVersion(db: Store['db']): Promise<number> {
  const row = await db.selectFrom('schema_migrations').select((eb) => eb.fn.max('version').as('version')).executeTakeFirst();
  return Number(row?.version ?? 0);
}

/** Migrations are plain DDL: statements end with `;` at the end of a line. */
function splitStatements(text: string): string[] {
  return text
    .split(/;\s*$/m)
    .map((statement) => statement.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean);
}
