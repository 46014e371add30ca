import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/schema.ts';
import { openEmbeddedStore } from './embedded.ts';
import { openPostgresStore } from './postgres.ts';
import { migrate } from './migrate.ts';
import type { Store } from './store.ts';

/** The embedded store's file under the data dir. */
export const embeddedStoreFile = (dataDir: string) => join(dataDir, 'penghubung.db');

/** A data dir the first embedded store (PGlite, up to 0.x of December 2026) wrote: refused, not read or replaced. */
export class PgliteDataDir extends Error {
  override name = 'PgliteDataDir';
}

function refusePglite(dataDir: string): void {
  const old = join(dataDir, 'store');
  if (!existsSync(join(old, 'PG_VERSION'))) return;
  throw new PgliteDataDir(`${old} holds a registry in the earlier embedded store (PGlite), which this version no longer reads. `
    + 'Nothing was changed. To move it: with the previous version of Penghubung, run `penghubung backup --out registry.json`; '
    + `then move ${old} out of the data dir and, with this version, run \`penghubung restore registry.json --replace\` (docs/resilience.md, "Moving from PGlite").`);
}

/** PostgreSQL when `store.url` (DATABASE_URL) is set, SQLite at `<dataDir>/penghubung.db` otherwise; migrated. */
export async function openStore(config: { dataDir: string; store: Pick<GatewayConfig['store'], 'url'> & Partial<GatewayConfig['store']> }, log?: Logger): Promise<Store> {
  const queryTimeoutMs = (config.store.queryTimeoutSeconds ?? 30) * 1000;
  if (config.store.url) {
    // Migrations may rewrite large tables: on a connection of their own, without the query timeout.
    const migrating = await openPostgresStore(config.store.url, { queryTimeoutMs: 0, max: 1 });
    try {
      await migrate(migrating);
    } finally {
      await migrating.close();
    }
    return openPostgresStore(config.store.url, { queryTimeoutMs });
  }
  refusePglite(config.dataDir);
  // Another process's write (the CLI's) is waited for, asynchronously, up to the query timeout.
  const store = await openEmbeddedStore(embeddedStoreFile(config.dataDir), {
    busyWaitMs: queryTimeoutMs > 0 ? queryTimeoutMs : 30_000,
    checkpointEveryMs: 1000,
    ...(log ? { log } : {}),
  });
  try {
    await migrate(store);
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  return store;
}

/** Opens the store, runs `work` with it and closes it, also when `work` fails (the CLI's commands). */
export async function withStore<T>(config: Parameters<typeof openStore>[0], work: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(config);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
