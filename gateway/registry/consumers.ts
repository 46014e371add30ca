import { recordAudit, type AuditSource } from '../audit/audit.ts';
import type { Queryable, Store } from '../store/store.ts';
import { consumerColumns, consumerOf, consumerRow, type Consumer, type ConsumerInput } from './repository.ts';
import { bumpRevision } from './revision.ts';

export async function listConsumers(db: Queryable): Promise<Consumer[]> {
  const rows = await db.db.selectFrom('consumers').select(consumerColumns).orderBy('client_id').execute();
  return rows.map(consumerOf);
}

export async function findConsumer(db: Queryable, clientId: string): Promise<Consumer | null> {
  const row = await db.db.selectFrom('consumers').select(consumerColumns).where('client_id', '=', clientId).executeTakeFirst();
  return row ? consumerOf(row) : null;
}

/** The audit verb of a change: a new application, one suspended or reactivated, or another change. */
function verbOf(before: Consumer | null, after: Consumer): string {
  if (!before) return 'create';
  if (before.status !== after.status) return after.status === 'suspended' ? 'suspend' : 'reactivate';
  return 'update';
}

/**
 * Registers a PD application or changes it (suspending it is a change of `status`), with its
 * audit row and the registry revision in one transaction: every instance applies it at its next
 * poll. Returns the consumer as stored and whether it is new.
 */
export async function saveConsumer(store: Store, input: ConsumerInput, source: AuditSource): Promise<{ consumer: Consumer; created: boolean }> {
  return store.transaction(async (tx) => {
    await tx.exclusive(7405002);
    const before = await findConsumer(tx, input.clientId);
    const row = consumerRow(input);
    if (before) {
      const { client_id: _id, ...changes } = row;
      await tx.db.updateTable('consumers').set({ ...changes, updated_at: tx.sql.now() }).where('client_id', '=', input.clientId).execute();
    } else {
      await tx.db.insertInto('consumers').values(row).execute();
    }
    const consumer = (await findConsumer(tx, input.clientId))!;
    await recordAudit(tx, { ...source, action: `consumer.${verbOf(before, consumer)}`, objectType: 'consumer', objectId: input.clientId, before, after: consumer });
    await bumpRevision(tx);
    return { consumer, created: !before };
  });
}
