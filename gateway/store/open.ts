import { join } from 'node:path';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/schema.ts';
import { openEmbeddedStore } from './embedded.ts';
import { openPostgresStore } from './postgres.ts';
import { lockEmbeddedStore } from './lock.ts';
import { migrate } from './migrate.ts';
import type { Store } from './store.ts';

/** PostgreSQL when `store.url` (DATABASE_URL) is set, PGlite under `<dataDir>/store` otherwise; migrated. */
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
  const unlock = lockEmbeddedStore(join(config.dataDir, 'store.lock'));
  try {
    const store = await openEmbeddedStore(join(config.dataDir, 'store'), {
      workerNice: config.store.workerNice ?? 0,
      ...(config.store.workerHeapMb === undefined ? {} : { workerHeapMb: config.store.workerHeapMb }),
      workerYield: config.store.workerYield !== false,
      ...(log ? { log } : {}),
    });
    // A failed migration must not leave the thread running (or started again) on an unlocked dir.
    await migrate(store).catch(async (error: unknown) => {
      await store.close().catch(() => undefined);
      throw error;
    });
    store.limitCallTime(queryTimeoutMs);
    const close = store.close;
    return { ...store, close: async () => { await close(); unlock(); } };
  } catch (error) {
    unlock();
    throw error;
  }
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
