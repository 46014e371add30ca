import type { Kysely, RawBuilder } from 'kysely';
import type { Database } from '../../gateway/store/schema.ts';

/** The rows of a raw query (`sql` from kysely) run on a store or one of its transactions. */
export async function rows<T>(on: { db: Kysely<Database> }, query: RawBuilder<T>): Promise<T[]> {
  return (await query.execute(on.db)).rows;
}
