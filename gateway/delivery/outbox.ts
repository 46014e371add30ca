import { expressionBuilder, type ExpressionBuilder, type Selectable, type UpdateObject } from 'kysely';
import { recordAudit, type AuditSource } from '../audit/audit.ts';
import { deleteInBatches } from '../store/delete-in-batches.ts';
import type { Database, DeliveriesTable } from '../store/schema.ts';
import type { Queryable, Store, StoreSql } from '../store/store.ts';

/** What the worker needs to send the request again, later, possibly from another instance. */
export interface StoredRequest {
  method: string;
  /** Path below the contract prefix (what the forwarder would send), and the query string. */
  rest: string;
  search: string;
  params: Record<string, string>;
  query: Record<string, string>;
  contentType: string | null;
  /** Base64 of the request bytes. */
  body: string | null;
  requestId: string;
  traceId: string;
  consumer: string | null;
  partner: string | null;
  agreement: string | null;
}

export type DeliveryState = 'pending' | 'delivering' | 'delivered' | 'failed' | 'cancelled';

/** `none`: nothing to notify (yet); `pending`: the delivery ended and its callback is due or being retried. */
export type CallbackState = 'none' | 'pending' | 'sent' | 'failed';

/** The caller's callback URL, notified with a thin event when the delivery ends. */
export interface DeliveryCallback {
  url: string;
  state: CallbackState;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
}

/** A notification taken by the notifier: the delivery's final state at the time it was taken. */
export interface CallbackDue { id: string; state: DeliveryState; url: string; attempts: number }

export interface Delivery {
  id: string;
  owner: string;
  contract: string;
  operation: string;
  request: StoredRequest;
  orderKey: string | null;
  state: DeliveryState;
  attempts: number;
  maxAttempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  response: { status: number; body: unknown } | null;
  callback: DeliveryCallback | null;
  createdAt: string;
  updatedAt: string;
}

export type OpsAction = 'retry' | 'cancel';

/** The states from which ops may retry or cancel a delivery. */
export const opsActionStates: Readonly<Record<OpsAction, readonly DeliveryState[]>> = Object.freeze({
  retry: ['failed'],
  cancel: ['pending', 'failed'],
});

/** An ops action's result: done, or refused by the delivery's current state (null: no such delivery). */
export type OpsActionOutcome = { done: true } | { done: false; state: DeliveryState | null };

/** Ids are UUIDs: anything else is no delivery (and never reaches the uuid column's parser). */
const isDeliveryId = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id);

const columns = [
  'id', 'owner', 'contract', 'operation', 'request', 'order_key', 'state', 'attempts', 'max_attempts', 'next_attempt_at', 'last_error', 'response', 'created_at', 'updated_at',
  'callback_url', 'callback_state', 'callback_attempts', 'callback_next_at', 'callback_last_error',
] as const;

/**
 * What an audit row keeps of a delivery: never the request or the answer, which hold personal
 * data the outbox drops once delivered, while an audit row is kept for good.
 */
const auditedColumns = ['contract', 'operation', 'owner', 'state', 'attempts', 'max_attempts', 'last_error', 'callback_state'] as const;

type Row = Pick<Selectable<DeliveriesTable>, (typeof columns)[number]>;
type Changes = UpdateObject<Database, 'deliveries'>;
type Deliveries = ExpressionBuilder<Database, 'deliveries'>;

/**
 * Every statement that ends a delivery (delivered, parked, cancelled) also arms its callback, so
 * the notification is as durable as the end itself; attempts start again for each end.
 */
const armCallback = (eb: Deliveries, sql: StoreSql): Changes => ({
  callback_state: eb.case().when('callback_url', 'is', null).then('none' as const).else('pending' as const).end(),
  callback_attempts: 0,
  callback_next_at: sql.now(),
  callback_last_error: null,
});
/**
 * Once a delivery has ended for good (delivered, or cancelled by ops) its request body (a
 * complaint, a personnel record) is not needed again: it is dropped, so the outbox keeps personal
 * data only while it still has to go out. The upstream's answer stays for the caller's poll.
 */
const dropBody = (sql: StoreSql): Changes => ({ request: sql.jsonWithNull('request', 'body') });
/** Why a delivery whose lease ran out was parked (see `parkExpiredLeases`). */
const outcomeUnknown = 'outcome unknown: the gateway stopped while delivering; check with the upstream, then retry or cancel';
/** A delivery going out again (ops retry) has not ended: its callback waits for the next end. */
const disarmCallback: Changes = { callback_state: 'none', callback_attempts: 0, callback_next_at: null, callback_last_error: null };

/**
 * What one attempt came to, as the worker records it: delivered, due again later (`pending`), or
 * parked for the Dinas (`failed`: retry or cancel from the admin API). Plain data, so that an
 * outcome the store cannot take yet can be held on disk (`HeldWrites`) and recorded later.
 */
export type AttemptOutcome =
  | { id: string; state: 'delivered'; attempts: number; response: { status: number; body: unknown } }
  | { id: string; state: 'pending'; attempts: number; delayMs: number; error: string }
  | { id: string; state: 'failed'; attempts: number; error: string; response: { status: number; body: unknown } | null };

/** An attempt's own claim: still `delivering`, or parked by an expired lease while its outcome was held. */
const underItsClaim = (eb: Deliveries, id: string) => eb.and([
  eb('id', '=', id),
  eb.or([eb('state', '=', 'delivering'), eb.and([eb('state', '=', 'failed'), eb('last_error', '=', outcomeUnknown)])]),
]);

function recordChanges(eb: Deliveries, sql: StoreSql, outcome: AttemptOutcome): Changes {
  const common: Changes = { attempts: outcome.attempts, lease_until: null, updated_at: sql.now() };
  switch (outcome.state) {
    case 'delivered':
      return { state: 'delivered', ...common, response: JSON.stringify(outcome.response), last_error: null, ...dropBody(sql), ...armCallback(eb, sql) };
    case 'pending':
      return { state: 'pending', ...common, next_attempt_at: sql.now(outcome.delayMs / 1000), last_error: outcome.error };
    case 'failed':
      return { state: 'failed', ...common, last_error: outcome.error, response: outcome.response === null ? null : JSON.stringify(outcome.response), ...armCallback(eb, sql) };
  }
}

function toDelivery(row: Row): Delivery {
  return {
    id: row.id, owner: row.owner, contract: row.contract, operation: row.operation, request: JSON.parse(row.request) as StoredRequest, orderKey: row.order_key,
    state: row.state, attempts: row.attempts, maxAttempts: row.max_attempts, nextAttemptAt: row.next_attempt_at, lastError: row.last_error,
    response: row.response === null ? null : (JSON.parse(row.response) as Delivery['response']), createdAt: row.created_at, updatedAt: row.updated_at,
    callback: row.callback_url === null ? null : {
      url: row.callback_url, state: row.callback_state, attempts: row.callback_attempts,
      nextAttemptAt: row.callback_next_at, lastError: row.callback_last_error,
    },
  };
}

/**
 * The deliveries table: accepted requests waiting for their upstream. Claims use row locks with
 * SKIP LOCKED and a lease, so several gateway instances on one PostgreSQL share the work and a
 * delivery is never sent by two at once.
 */
export class Outbox {
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  static async add(tx: Queryable, delivery: { id: string; owner: string; contract: string; operation: string; request: StoredRequest; orderKey: string | null; maxAttempts: number; callbackUrl?: string | null }): Promise<void> {
    await tx.db.insertInto('deliveries').values({
      id: delivery.id, owner: delivery.owner, contract: delivery.contract, operation: delivery.operation, request: JSON.stringify(delivery.request),
      order_key: delivery.orderKey, state: 'pending', max_attempts: delivery.maxAttempts, callback_url: delivery.callbackUrl ?? null,
    }).execute();
  }

  /**
   * Due deliveries, taken for `leaseSeconds`. A delivery with an order key waits while an older
   * one with the same key is not yet delivered or cancelled (a parked one holds its successors).
   */
  async claimDue(limit: number, leaseSeconds: number): Promise<Delivery[]> {
    const { db, sql } = this.store;
    const rows = await db.updateTable('deliveries')
      .set({ state: 'delivering', lease_until: sql.now(leaseSeconds), updated_at: sql.now() })
      .where((eb) => eb('id', 'in', eb.selectFrom('deliveries as d').select('d.id')
        .where('d.state', '=', 'pending')
        .where('d.next_attempt_at', '<=', sql.now())
        .where((inner) => inner.or([
          inner('d.order_key', 'is', null),
          inner.not(inner.exists(inner.selectFrom('deliveries as o').select(inner.lit(1).as('one'))
            .whereRef('o.order_key', '=', 'd.order_key')
            // Created in the same millisecond (the embedded store's clock): the id decides.
            .where((older) => older.or([
              older('o.created_at', '<', older.ref('d.created_at')),
              older.and([older('o.created_at', '=', older.ref('d.created_at')), older('o.id', '<', older.ref('d.id'))]),
            ]))
            .where('o.state', 'in', ['pending', 'delivering', 'failed']))),
        ]))
        .orderBy('d.created_at')
        .orderBy('d.id')
        .limit(limit)
        .$if(this.store.kind === 'postgres', (qb) => qb.forUpdate().skipLocked())))
      .returning(columns)
      .execute();
    return rows.map(toDelivery).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /** A claim held longer: for an attempt that may take longer than the default lease. */
  async extendLease(id: string, seconds: number): Promise<void> {
    await this.store.db.updateTable('deliveries').set({ lease_until: this.store.sql.now(seconds) }).where('id', '=', id).where('state', '=', 'delivering').execute();
  }

  /**
   * Writes what an attempt came to, over the claim it was made under: the delivery must still be
   * `delivering`, or parked by its expired lease as "outcome unknown" (another instance gave up on
   * an outcome this one held through a store outage: the real outcome replaces the guess). False
   * when the delivery had moved on (retried or cancelled by ops meanwhile): nothing is written.
   */
  async record(outcome: AttemptOutcome): Promise<boolean> {
    const rows = await this.store.db.updateTable('deliveries')
      .set((eb) => recordChanges(eb, this.store.sql, outcome))
      .where((eb) => underItsClaim(eb, outcome.id))
      .returning('id')
      .execute();
    return rows.length > 0;
  }

  /**
   * Deliveries whose lease ran out (the instance died while sending): the request may or may not
   * have reached the upstream, so they are parked for a person to decide, never resent blindly.
   */
  async parkExpiredLeases(): Promise<number> {
    const { db, sql } = this.store;
    const rows = await db.updateTable('deliveries')
      .set((eb) => ({ state: 'failed', last_error: outcomeUnknown, lease_until: null, updated_at: sql.now(), ...armCallback(eb, sql) }))
      .where('state', '=', 'delivering')
      .where('lease_until', '<', sql.now())
      .returning('id')
      .execute();
    return rows.length;
  }

  async get(id: string): Promise<Delivery | null> {
    if (!isDeliveryId(id)) return null;
    const row = await this.store.db.selectFrom('deliveries').select(columns).where('id', '=', id).executeTakeFirst();
    return row ? toDelivery(row) : null;
  }

  async list(state: DeliveryState | undefined, limit: number): Promise<Delivery[]> {
    const all = this.store.db.selectFrom('deliveries').select(columns);
    const rows = await (state ? all.where('state', '=', state) : all).orderBy('updated_at', 'desc').limit(limit).execute();
    return rows.map(toDelivery);
  }

  /** Ops: a parked delivery goes out again (attempts counted afresh). Audited as `delivery.retry`. */
  retry(id: string, by: AuditSource): Promise<OpsActionOutcome> {
    const { sql } = this.store;
    return this.act('retry', id, by, () => ({ state: 'pending', attempts: 0, next_attempt_at: sql.now(), updated_at: sql.now(), ...disarmCallback }));
  }

  /** Audited as `delivery.cancel`. */
  cancel(id: string, by: AuditSource): Promise<OpsActionOutcome> {
    const { sql } = this.store;
    return this.act('cancel', id, by, (eb) => ({ state: 'cancelled', updated_at: sql.now(), ...dropBody(sql), ...armCallback(eb, sql) }));
  }

  /**
   * The row is read and locked first (PostgreSQL; SQLite's write transaction holds the whole
   * store), so the audit row's `before` is the state the action changed, and two admins (or an
   * admin and the worker) cannot both win. A refusal changes nothing and records nothing.
   */
  private async act(action: OpsAction, id: string, by: AuditSource, changes: (eb: Deliveries) => Changes): Promise<OpsActionOutcome> {
    if (!isDeliveryId(id)) return { done: false, state: null };
    return this.store.transaction(async (tx) => {
      const before = await tx.db.selectFrom('deliveries').select(auditedColumns).where('id', '=', id)
        .$if(tx.kind === 'postgres', (qb) => qb.forUpdate())
        .executeTakeFirst();
      if (!before || !opsActionStates[action].includes(before.state)) return { done: false, state: before?.state ?? null };
      const after = await tx.db.updateTable('deliveries').set(changes).where('id', '=', id).returning(auditedColumns).executeTakeFirstOrThrow();
      await recordAudit(tx, { ...by, action: `delivery.${action}`, objectType: 'delivery', objectId: id, before, after });
      return { done: true };
    });
  }

  /**
   * Deliveries that ended (delivered or cancelled) more than `days` ago, their callback no longer
   * pending, are deleted: the traffic log keeps the exchange, the caller had the retention to poll.
   * Parked (`failed`) ones stay until ops decide.
   */
  purgeEnded(days: number): Promise<number> {
    const eb = expressionBuilder<Database, 'deliveries'>();
    return deleteInBatches(this.store, 'deliveries', eb.and([
      eb('state', 'in', ['delivered', 'cancelled']),
      eb('callback_state', '<>', 'pending'),
      eb('updated_at', '<', this.store.sql.now(-days * 86400)),
    ]));
  }

  /**
   * Due notifications of ended deliveries, taken for `leaseSeconds` (the attempt is counted now):
   * an instance that stops mid-notification leaves it to be sent again once the lease is over.
   */
  async claimCallbacks(limit: number, leaseSeconds: number): Promise<CallbackDue[]> {
    const { db, sql } = this.store;
    const rows = await db.updateTable('deliveries')
      .set((eb) => ({ callback_attempts: eb('callback_attempts', '+', 1), callback_next_at: sql.now(leaseSeconds) }))
      .where((eb) => eb('id', 'in', eb.selectFrom('deliveries').select('id')
        .where('callback_state', '=', 'pending')
        .where('callback_next_at', '<=', sql.now())
        .where('state', 'in', ['delivered', 'failed', 'cancelled'])
        .orderBy('callback_next_at')
        .limit(limit)
        .$if(this.store.kind === 'postgres', (qb) => qb.forUpdate().skipLocked())))
      .returning(['id', 'state', 'callback_url', 'callback_attempts'])
      .execute();
    return rows.map((row) => ({ id: row.id, state: row.state, url: row.callback_url!, attempts: row.callback_attempts }));
  }

  // The outcome of a notification is written only if the delivery was not re-armed or disarmed
  // (retried, cancelled) meanwhile: that attempt's count still matches.
  async callbackSent(id: string, attempts: number): Promise<void> {
    await this.pendingCallback(id, attempts).set({ callback_state: 'sent', callback_next_at: null, callback_last_error: null }).execute();
  }

  async callbackRetryLater(id: string, attempts: number, delayMs: number, error: string): Promise<void> {
    await this.pendingCallback(id, attempts).set({ callback_next_at: this.store.sql.now(delayMs / 1000), callback_last_error: error }).execute();
  }

  async callbackFailed(id: string, attempts: number, error: string): Promise<void> {
    await this.pendingCallback(id, attempts).set({ callback_state: 'failed', callback_next_at: null, callback_last_error: error }).execute();
  }

  /** The update of a notification still pending under attempt `attempts`. */
  private pendingCallback(id: string, attempts: number) {
    return this.store.db.updateTable('deliveries').where('id', '=', id).where('callback_state', '=', 'pending').where('callback_attempts', '=', attempts);
  }
}
