import type { Queryable } from '../store/store.ts';

/** Bumped by every registry change in the change's own transaction; instances poll it and rebuild. */
export async function bumpRevision(tx: Queryable): Promise<number> {
  const [row] = await tx.query<{ revision: number }>('update registry_revision set revision = revision + 1 returning revision::int as revision');
  return row!.revision;
}

export async function currentRevision(db: Queryable): Promise<number> {
  const [row] = await db.query<{ revision: number }>('select revision::int as revision from registry_revision');
  return row!.revision;
}
