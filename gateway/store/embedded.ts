import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { Queryable, Store } from './store.ts';

/** PGlite persisted under the data dir. One process owns the directory at a time. */
export async function openEmbeddedStore(directory: string): Promise<Store> {
  mkdirSync(directory, { recursive: true });
  const db = await PGlite.create({ dataDir: directory });
  const wrap = (target: Pick<PGlite, 'query'>): Queryable => ({
    async query<Row>(sql: string, params: unknown[] = []) {
      return (await target.query<Row>(sql, params)).rows;
    },
  });
  return {
    kind: 'embedded',
    ...wrap(db),
    transaction: (work) => db.transaction((tx) => work(wrap(tx))),
    async exec(script) {
      await db.exec(script);
    },
    close: () => db.close(),
  };
}
