import type { DocumentStore, StoredDocument } from '../adapter-api/model.ts';
import type { Store } from '../store/store.ts';

interface DocumentRow { key: string; body: string; version: number; updated_at: string }

const toDocument = <T>(row: DocumentRow): StoredDocument<T> => ({ key: row.key, body: JSON.parse(row.body) as T, version: row.version, updatedAt: row.updated_at });

/** The `DocumentStore` adapters get, over the gateway's store, scoped to one adapter. */
export function documentStore(store: Store, adapter: string): DocumentStore {
  const documents = () => store.db.selectFrom('adapter_documents').select(['key', 'body', 'version', 'updated_at']).where('adapter', '=', adapter);
  return {
    async get<T>(collection: string, key: string) {
      const row = await documents().where('collection', '=', collection).where('key', '=', key).executeTakeFirst();
      return row ? toDocument<T>(row) : null;
    },
    async list<T>(collection: string) {
      const rows = await documents().where('collection', '=', collection).orderBy('created_at').orderBy('key').execute();
      return rows.map((row) => toDocument<T>(row));
    },
    put(collection: string, key: string, body: unknown) {
      return store.transaction(async (tx) => {
        // A document is written with version 1 and every update raises it: 1 means it is new.
        const written = await tx.db.insertInto('adapter_documents')
          .values({ adapter, collection, key, body: JSON.stringify(body) })
          .onConflict((conflict) => conflict.columns(['adapter', 'collection', 'key']).doUpdateSet((eb) => ({
            body: eb.ref('excluded.body'),
            version: eb('adapter_documents.version', '+', 1),
            updated_at: tx.sql.now(),
          })))
          .returning('version')
          .executeTakeFirstOrThrow();
        const bumped = await tx.db.insertInto('adapter_collections')
          .values({ adapter, collection, revision: 1 })
          .onConflict((conflict) => conflict.columns(['adapter', 'collection']).doUpdateSet((eb) => ({ revision: eb('adapter_collections.revision', '+', 1) })))
          .returning('revision')
          .executeTakeFirstOrThrow();
        return { created: written.version === 1, version: written.version, revision: Number(bumped.revision) };
      });
    },
    async revision(collection: string) {
      const row = await store.db.selectFrom('adapter_collections').select('revision').where('adapter', '=', adapter).where('collection', '=', collection).executeTakeFirst();
      return row ? Number(row.revision) : 0;
    },
  };
}
