import type { DocumentStore, StoredDocument } from '../../adapters/kit/model.ts';
import type { Store } from './store.ts';

interface DocumentRow { key: string; body: unknown; version: number; updated_at: Date | string }

const iso = (value: Date | string) => (value instanceof Date ? value : new Date(value)).toISOString();
const toDocument = <T>(row: DocumentRow): StoredDocument<T> => ({ key: row.key, body: row.body as T, version: row.version, updatedAt: iso(row.updated_at) });

/** The `DocumentStore` adapters get, over the gateway's store, scoped to one adapter. */
export function documentStore(store: Store, adapter: string): DocumentStore {
  return {
    async get<T>(collection: string, key: string) {
      const rows = await store.query<DocumentRow>('select key, body, version, updated_at from adapter_documents where adapter = $1 and collection = $2 and key = $3', [adapter, collection, key]);
      return rows[0] ? toDocument<T>(rows[0]) : null;
    },
    async list<T>(collection: string) {
      const rows = await store.query<DocumentRow>('select key, body, version, updated_at from adapter_documents where adapter = $1 and collection = $2 order by created_at, key', [adapter, collection]);
      return rows.map((row) => toDocument<T>(row));
    },
    put(collection: string, key: string, body: unknown) {
      return store.transaction(async (tx) => {
        const written = await tx.query<{ version: number; created: boolean }>(
          `insert into adapter_documents (adapter, collection, key, body) values ($1, $2, $3, $4)
           on conflict (adapter, collection, key) do update set body = excluded.body, version = adapter_documents.version + 1, updated_at = now()
           returning version, (xmax = 0) as created`,
          [adapter, collection, key, JSON.stringify(body)],
        );
        const bumped = await tx.query<{ revision: string }>(
          `insert into adapter_collections (adapter, collection, revision) values ($1, $2, 1)
           on conflict (adapter, collection) do update set revision = adapter_collections.revision + 1
           returning revision`,
          [adapter, collection],
        );
        return { created: written[0]!.created, version: written[0]!.version, revision: Number(bumped[0]!.revision) };
      });
    },
    async revision(collection: string) {
      const rows = await store.query<{ revision: string }>('select revision from adapter_collections where adapter = $1 and collection = $2', [adapter, collection]);
      return rows[0] ? Number(rows[0].revision) : 0;
    },
  };
}
