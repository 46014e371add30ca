import { deleteInBatches } from '../store/delete-in-batches.ts';
import type { Queryable, Store } from '../store/store.ts';

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

interface Row {
  id: string; owner: string; contract: string; operation: string; request: StoredRequest | string; order_key: string | null; state: DeliveryState;
  attempts: number; max_attempts: number; next_attempt_at: Date | string; last_error: string | null; response: Delivery['response'] | string | null;
  created_at: Date | string; updated_at: Date | string;
  callback_url: string | null; callback_state: CallbackState; callback_attempts: number; callback_next_at: Date | string | null; callback_last_error: string | null;
}

const iso = (value: Date | string) => (value instanceof Date ? value : new Date(value)).toISOString();
const json = <T>(value: T | string): T => (typeof value === 'string' ? (JSON.parse(value) as T) : value);
const columns = 'id, owner, contract, operation, request, order_key, state, attempts, max_attempts, next_attempt_at, last_error, response, created_at, updated_at, '
  + 'callback_url, callback_state, callback_attempts, callback_next_at, callback_last_error';

/**
 * Every statement that ends a delivery (delivered, parked, cancelled) also arms its callback, so
 * the notification is as durable as the end itself; attempts start again for each end.
 */
const armCallback = "callback_state = case when callback_url is null then 'none' else 'pending' end, callback_attempts = 0, callback_next_at = now(), callback_last_error = null";
/**
 * Once a delivery has ended for good (delivered, or cancelled by ops) its request body (a
 * complaint, a personnel record) is not needed again: it is dropped, so the outbox keeps personal
 * data only while it still has to go out. The upstream's answer stays for the caller's poll.
 */
const dropBody = "request = jsonb_set(request, '{body}', 'null'::jsonb)";
/** Why a delivery whose lease ran out was parked (see `parkExpiredLeases`). */
const outcomeUnknown = 'outcome unknown: the gateway stopped while delivering; check with the upstream, then retry or cancel';
/** A delivery going out again (ops retry) has not ended: its callback waits for the next end. */
const disarmCallback = "callback_state = 'none', callback_attempts = 0, callback_next_at = null, callback_last_error = null";

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
const underItsClaim = `id = $1 and (state = 'delivering' or (state = 'failed' and last_error = '${outcomeUnknown}'))`;

function recordStatement(outcome: AttemptOutcome): [string, unknown[]] {
  const common = 'attempts = $2, lease_until = null, updated_at = now()';
  switch (outcome.state) {
    case 'delivered':
      return [`update deliveries set state = 'delivered', ${common}, response = $3, last_error = null, ${dropBody}, ${armCallback} where ${underItsClaim} returning id`, [outcome.id, outcome.attempts, JSON.stringify(outcome.response)]];
    case 'pending':
      return [`update deliveries set state = 'pending', ${common}, next_attempt_at = now() + make_interval(secs => $3), last_error = $4 where ${underItsClaim} returning id`, [outcome.id, outcome.attempts, outcome.delayMs / 1000, outcome.error]];
    case 'failed':
      return [`update deliveries set state = 'failed', ${common}, last_error = $3, response = $4, ${armCallback} where ${underItsClaim} returning id`, [outcome.id, outcome.attempts, outcome.error, outcome.response === null ? null : JSON.stringify(outcome.response)]];
  }
}

function toDelivery(row: Row): Delivery {
  return {
    id: row.id, owner: row.owner, contract: row.contract, operation: row.operation, request: json(row.request), orderKey: row.order_key,
    state: row.state, attempts: row.attempts, maxAttempts: row.max_attempts, nextAttemptAt: iso(row.next_attempt_at), lastError: row.last_error,
    response: row.response === null ? null : json(row.response), createdAt: iso(row.created_at), updatedAt: iso(row.updated_at),
    callback: row.callback_url === null ? null : {
      url: row.callback_url, state: row.callback_state, attempts: row.callback_attempts,
      nextAttemptAt: row.callback_next_at === null ? null : iso(row.callback_next_at), lastError: row.callback_last_error,
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
    await tx.query(
      `insert into deliveries (id, owner, contract, operation, request, order_key, state, max_attempts, callback_url) values ($1, $2, $3, $4, $5, $6, 'pending', $7, $8)`,
      [delivery.id, delivery.owner, delivery.contract, delivery.operation, JSON.stringify(delivery.request), delivery.orderKey, delivery.maxAttempts, delivery.callbackUrl ?? null],
    );
  }

  /**
   * Due deliveries, taken for `leaseSeconds`. A delivery with an order key waits while an older
   * one with the same key is not yet delivered or cancelled (a parked one holds its successors).
   */
  async claimDue(limit: number, leaseSeconds: number): Promise<Delivery[]> {
    const rows = await this.store.query<Row>(
      `update deliveries set state = 'delivering', lease_until = now() + make_interval(secs => $2), updated_at = now()
       where id in (
         select d.id from deliveries d
         where d.state = 'pending' and d.next_attempt_at <= now()
           and (d.order_key is null or not exists (
             select 1 from deliveries o where o.order_key = d.order_key and o.created_at < d.created_at
               and o.state in ('pending', 'delivering', 'failed')))
         order by d.created_at
         limit $1
         for update skip locked)
       returning ${columns}`,
      [limit, leaseSeconds],
    );
    return rows.map(toDelivery).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** A claim held longer: for an attempt that may take longer than the default lease. */
  async extendLease(id: string, seconds: number): Promise<void> {
    await this.store.query(`update deliveries set lease_until = now() + make_interval(secs => $2) where id = $1 and state = 'delivering'`, [id, seconds]);
  }

  /**
   * Writes what an attempt came to, over the claim it was made under: the delivery must still be
   * `delivering`, or parked by its expired lease as "outcome unknown" (another instance gave up on
   * an outcome this one held through a store outage: the real outcome replaces the guess). False
   * when the delivery had moved on (retried or cancelled by ops meanwhile): nothing is written.
   */
  async record(outcome: AttemptOutcome): Promise<boolean> {
    const rows = await this.store.query(...recordStatement(outcome));
    return rows.length > 0;
  }

  /**
   * Deliveries whose lease ran out (the instance died while sending): the request may or may not
   * have reached the upstream, so they are parked for a person to decide, never resent blindly.
   */
  async parkExpiredLeases(): Promise<number> {
    const rows = await this.store.query(
      `update deliveries set state = 'failed', last_error = '${outcomeUnknown}', lease_until = null, updated_at = now(), ${armCallback}
       where state = 'delivering' and lease_until < now() returning id`,
    );
    return rows.length;
  }

  async get(id: string): Promise<Delivery | null> {
    if (!isDeliveryId(id)) return null;
    const [row] = await this.store.query<Row>(`select ${columns} from deliveries where id = $1`, [id]);
    return row ? toDelivery(row) : null;
  }

  async list(state: DeliveryState | undefined, limit: number): Promise<Delivery[]> {
    const rows = await this.store.query<Row>(
      `select ${columns} from deliveries ${state ? 'where state = $2' : ''} order by updated_at desc limit $1`,
      state ? [limit, state] : [limit],
    );
    return rows.map(toDelivery);
  }

  /** Ops: a parked delivery goes out again (attempts counted afresh). */
  retry(id: string): Promise<OpsActionOutcome> {
    return this.act('retry', id, `state = 'pending', attempts = 0, next_attempt_at = now(), updated_at = now(), ${disarmCallback}`);
  }

  cancel(id: string): Promise<OpsActionOutcome> {
    return this.act('cancel', id, `state = 'cancelled', updated_at = now(), ${dropBody}, ${armCallback}`);
  }

  /**
   * The conditional update alone decides, so two admins (or an admin and the worker) cannot both
   * win; the row is read afterwards only to tell a refusal's state from an unknown id.
   */
  private async act(action: OpsAction, id: string, assignments: string): Promise<OpsActionOutcome> {
    if (!isDeliveryId(id)) return { done: false, state: null };
    const updated = await this.store.query(`update deliveries set ${assignments} where id = $1 and state = any($2::text[]) returning id`, [id, [...opsActionStates[action]]]);
    if (updated.length > 0) return { done: true };
    const [row] = await this.store.query<{ state: DeliveryState }>('select state from deliveries where id = $1', [id]);
    return { done: false, state: row?.state ?? null };
  }

  /**
   * Deliveries that ended (delivered or cancelled) more than `days` ago, their callback no longer
   * pending, are deleted: the traffic log keeps the exchange, the caller had the retention to poll.
   * Parked (`failed`) ones stay until ops decide.
   */
  purgeEnded(days: number): Promise<number> {
    return deleteInBatches(this.store, 'deliveries', "state in ('delivered', 'cancelled') and callback_state <> 'pending' and updated_at < now() - make_interval(days => $1)", [days]);
  }

  /**
   * Due notifications of ended deliveries, taken for `leaseSeconds` (the attempt is counted now):
   * an instance that stops mid-notification leaves it to be sent again once the lease is over.
   */
  async claimCallbacks(limit: number, leaseSeconds: number): Promise<CallbackDue[]> {
    const rows = await this.store.query<{ id: string; state: DeliveryState; callback_url: string; callback_attempts: number }>(
      `update deliveries set callback_attempts = callback_attempts + 1, callback_next_at = now() + make_interval(secs => $2)
       where id in (
         select id from deliveries
         where callback_state = 'pending' and callback_next_at <= now() and state in ('delivered', 'failed', 'cancelled')
         order by callback_next_at
         limit $1
         for update skip locked)
       returning id, state, callback_url, callback_attempts`,
      [limit, leaseSeconds],
    );
    return rows.map((row) => ({ id: row.id, state: row.state, url: row.callback_url, attempts: row.callback_attempts }));
  }

  // The outcome of a notification is written only if the delivery was not re-armed or disarmed
  // (retried, cancelled) meanwhile: that attempt's count still matches.
  async callbackSent(id: string, attempts: number): Promise<void> {
    await this.store.query(`update deliveries set callback_state = 'sent', callback_next_at = null, callback_last_error = null where id = $1 and callback_state = 'pending' and callback_attempts = $2`, [id, attempts]);
  }

  async callbackRetryLater(id: string, attempts: number, delayMs: number, error: string): Promise<void> {
    await this.store.query(
      `update deliveries set callback_next_at = now() + make_interval(secs => $3), callback_last_error = $4 where id = $1 and callback_state = 'pending' and callback_attempts = $2`,
      [id, attempts, delayMs / 1000, error],
    );
  }

  async callbackFailed(id: string, attempts: number, error: string): Promise<void> {
    await this.store.query(`update deliveries set callback_state = 'failed', callback_next_at = null, callback_last_error = $3 where id = $1 and callback_state = 'pending' and callback_attempts = $2`, [id, attempts, error]);
  }
}
