import { afterAll, beforeAll } from 'vitest';
import { openStore } from '../../gateway/store/open.ts';
import type { Store } from '../../gateway/store/store.ts';
import { tempDir } from './harness.ts';
import { startPostgres, type PostgresServer } from './postgres.ts';

/**
 * A real PostgreSQL and a migrated store on it, started before the tests of the calling describe
 * block and stopped after them. Read `store` inside the tests (it is set by `beforeAll`).
 */
export function storeOnPostgres(): { readonly pg: PostgresServer; readonly store: Store } {
  const running = {} as { pg: PostgresServer; store: Store };
  beforeAll(async () => {
    running.pg = await startPostgres();
    running.store = await openStore({ dataDir: tempDir('store-pg-'), store: { url: running.pg.url } });
  }, 60_000);
  afterAll(async () => {
    await running.store?.close();
    await running.pg?.destroy();
  });
  return running;
}
