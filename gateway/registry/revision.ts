import type { Queryable } from '../store/store.ts';

/** Bumped by every registry change in the change's own transaction; instances poll it and rebuild. */
export async function bumpRevision(tx: Queryable): Promise<number> {
  const row = await tx.db.updateTable('registry_revision').set((eb) => ({ revision: eb('revision', '+', 1) })).returning('revision').executeTakeFirstOrThrow();
  return Number(row.revision);
}

export async function currentRevision(db: Queryable): Promise<number> {
  const row = await db.db.selectFrom('registry_revision').select('revision').executeTakeFirstOrThrow();
  return Number(row.revision);
}
