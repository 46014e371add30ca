import { join } from 'node:path';
import type { GatewayConfig } from '../config/schema.ts';
import { openEmbeddedStore } from './embedded.ts';
import { openPostgresStore } from './postgres.ts';
import { migrate } from './migrate.ts';
import type { Store } from './store.ts';

/** PostgreSQL when `store.url` (DATABASE_URL) is set, PGlite under `<dataDir>/store` otherwise; migrated. */
export async function openStore(config: Pick<GatewayConfig, 'store' | 'dataDir'>): Promise<Store> {
  const store = config.store.url
    ? await openPostgresStore(config.store.url)
    : await openEmbeddedStore(join(config.dataDir, 'store'));
  await migrate(store);
  return store;
}
