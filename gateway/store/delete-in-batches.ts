import { setImmediate as yieldToExchanges } from 'node:timers/promises';
import { sql, type Expression, type SqlBool } from 'kysely';
import type { Queryable } from './store.ts';

/**
 * Deletes the rows of `table` that `where` selects, `batch` rows per statement, and returns how
 * many went. A purge of a day's expired rows in one statement holds the embedded store (SQLite runs
 * on the gateway's thread: every exchange) or, on PostgreSQL, its locks and a burst of WAL for as
 * long as it runs, and past `store.queryTimeoutSeconds` it would be cut and rolled
 * back, to be tried again with more rows next time. Batch by batch, calls queued meanwhile get in
 * between, and each statement stays short. Rows are picked by their physical address (`ctid`, a
 * TID scan in PostgreSQL; `rowid` in SQLite), whatever the table's key; one another instance
 * deleted first is simply skipped.
 */
export async function deleteInBatches(store: Queryable, table: string, condition: Expression<SqlBool>, batch = store.kind === 'postgres' ? 5000 : 1000): Promise<number> {
  const address = sql.raw(store.kind === 'postgres' ? 'ctid' : 'rowid');
  const tableRef = sql.table(table);
  let total = 0;
  for (;;) {
    const picked = sql`select ${address} from ${tableRef} where ${condition} limit ${sql.lit(batch)}`;
    const result = store.kind === 'postgres'
      ? await sql`delete from ${tableRef} where ctid = any(array(${picked}))`.execute(store.db)
      : await sql`delete from ${tableRef} where rowid in (${picked})`.execute(store.db);
    const deleted = Number(result.numAffectedRows ?? 0n);
    total += deleted;
    if (deleted < batch) return total;
    // SQLite runs each statement on this thread: exchanges waiting on I/O get in between.
    await yieldToExchanges();
  }
}
