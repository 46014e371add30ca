import type { Queryable } from './store.ts';

/**
 * Deletes the rows of `table` that `where` selects (with `params`), `batch` rows per statement,
 * and returns how many went. A purge of a day's expired rows in one statement holds the embedded
 * store's only thread (and on PostgreSQL, its locks and a burst of WAL) for as long as it runs,
 * every exchange that needs the store waiting behind it, and past `store.queryTimeoutSeconds` it
 * would be cut and rolled back, to be tried again with more rows next time. Batch by batch, calls
 * queued meanwhile get in between, and each statement stays short. Rows are picked by `ctid`
 * (a TID scan, whatever the table's key); one another instance deleted first is simply skipped.
 */
export async function deleteInBatches(store: Queryable, table: string, where: string, params: unknown[] = [], batch = 5000): Promise<number> {
  let total = 0;
  for (;;) {
    const [row] = await store.query<{ n: number }>(
      `with gone as (delete from ${table} where ctid = any(array(select ctid from ${table} where ${where} limit ${batch})) returning 1)
       select count(*)::int as n from gone`,
      params,
    );
    total += row!.n;
    if (row!.n < batch) return total;
  }
}
