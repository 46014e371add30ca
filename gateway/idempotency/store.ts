import { join } from 'node:path';
import { expressionBuilder } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../store/schema.ts';
import { deleteInBatches } from '../store/delete-in-batches.ts';
import { HeldWrites } from '../store/held-writes.ts';
import type { Store } from '../store/store.ts';

export interface StoredAnswer { status: number; headers: Record<string, string>; body: Buffer }

export type Claim =
  | { kind: 'claimed' }
  | { kind: 'replay'; answer: StoredAnswer }
  | { kind: 'in-flight' }
  | { kind: 'reused' };

/**
 * A key in flight that its exchange has not kept alive (`keepAlive`) for this long belongs to an
 * exchange no gateway is running any more (it was killed or crashed): `answer` is then kept as its
 * outcome, so retries stop getting 409.
 */
export interface Abandonment { afterSeconds: number; answer: () => StoredAnswer }

/** How a finished exchange leaves its key: its answer kept, or the key given back (nothing reached the upstream). */
export type Outcome = { answer: StoredAnswer } | 'release';

/** An answer as the store keeps it (and a held outcome carries it): the body in base64. */
interface EncodedAnswer { status: number; headers: Record<string, string>; body: string }

/**
 * One exchange's claim on a key: `claimId` is new for each (the request id comes from the caller
 * and may repeat), so giving a key back can never remove another exchange's claim.
 */
export interface KeyClaim { owner: string; key: string; claimId: string; reqId: string }

/** A finished exchange's outcome, as it is written or held while the store is unavailable; a null answer gives the key back. */
interface KeyOutcome extends KeyClaim { answer: EncodedAnswer | null }

/**
 * Idempotency keys in the store, so every gateway instance sees them: the first request with a
 * key claims it (one row, primary key per caller and key), later ones get its stored answer.
 */
export class IdempotencyStore {
  private readonly store: Store;
  private readonly retentionHours: number;
  private readonly log: Logger;
  /**
   * Outcomes the store could not take (restarting, out of disk), kept under the data dir until it
   * can, also across a stop: a repeat after an outage gets the real answer, not 409 and then
   * IDEMPOTENCY_OUTCOME_UNKNOWN.
   */
  private readonly held: HeldWrites<KeyOutcome>;

  constructor(store: Store, retentionHours: number, options: { dataDir: string; log: Logger }) {
    this.store = store;
    this.retentionHours = retentionHours;
    this.log = options.log;
    this.held = new HeldWrites(join(options.dataDir, 'spool', 'idempotency'), {
      what: 'idempotency outcome',
      apply: (outcome) => (outcome.answer ? this.settle(outcome.owner, outcome.key, outcome.answer) : this.release(outcome)),
      describe: ({ owner, key, reqId, claimId, answer }) => ({ owner, key, reqId, claimId, status: answer?.status ?? 'released' }),
    }, options.log);
  }

  /** Writes the outcomes held at the last stop (before any exchange), then those of an outage, every second. */
  start(): Promise<void> {
    return this.held.start(1000);
  }

  /** Outcomes held until the store is back (see `held`). */
  get heldOutcomes(): number {
    return this.held.waiting;
  }

  /** On a stop, after the listeners: outcomes still held in memory go to disk. */
  close(): Promise<void> {
    return this.held.close();
  }

  async claim({ owner, key, claimId }: KeyClaim, fingerprint: string, abandonment: Abandonment): Promise<Claim> {
    const { db, sql } = this.store;
    for (let attempt = 0; attempt < 3; attempt++) {
      const inserted = await db.insertInto('idempotency_keys')
        .values({ owner, key, fingerprint, state: 'in-flight', expires_at: sql.now(this.retentionHours * 3600), claim_id: claimId })
        .onConflict((conflict) => conflict.columns(['owner', 'key']).doNothing())
        .returning('key')
        .execute();
      if (inserted.length > 0) return { kind: 'claimed' };
      const row = await db.selectFrom('idempotency_keys')
        .select((eb) => [
          'fingerprint', 'state', 'claim_id', 'status', 'headers', 'body',
          eb('expires_at', '<', sql.now()).as('expired'),
          eb.and([eb('state', '=', 'in-flight'), eb('alive_at', '<', sql.now(-abandonment.afterSeconds))]).as('abandoned'),
        ])
        .where('owner', '=', owner)
        .where('key', '=', key)
        .executeTakeFirst();
      if (!row) continue; // released between our insert and select: claim again
      if (row.state === 'released') {
        await db.deleteFrom('idempotency_keys').where('owner', '=', owner).where('key', '=', key).where('state', '=', 'released').where('claim_id', '=', row.claim_id).execute();
        continue;
      }
      // Comparisons come back as booleans from PostgreSQL, as 0 or 1 from SQLite.
      if (row.expired) {
        await db.deleteFrom('idempotency_keys').where('owner', '=', owner).where('key', '=', key).where('expires_at', '<', sql.now()).execute();
        continue;
      }
      if (row.fingerprint !== fingerprint) return { kind: 'reused' };
      if (row.abandoned) {
        await this.settle(owner, key, encoded(abandonment.answer()), { onlyInFlight: true });
        continue;
      }
      if (row.state === 'in-flight') return { kind: 'in-flight' };
      const headers = row.headers === null ? {} : (JSON.parse(row.headers) as Record<string, string>);
      return { kind: 'replay', answer: { status: row.status ?? 500, headers, body: Buffer.from(row.body ?? '', 'base64') } };
    }
    return { kind: 'in-flight' };
  }

  /** Tells repeats that the exchange holding the key is still running (see `Abandonment`). */
  async keepAlive(owner: string, key: string): Promise<void> {
    await this.store.db.updateTable('idempotency_keys').set({ alive_at: this.store.sql.now() }).where('owner', '=', owner).where('key', '=', key).where('state', '=', 'in-flight').execute();
  }

  /**
   * Keeps a finished exchange's outcome, or holds it while the store is unavailable. Never
   * rejects: the caller has answered already.
   */
  async finish(claim: KeyClaim, outcome: Outcome): Promise<void> {
    try {
      await this.held.write({ ...claim, answer: outcome === 'release' ? null : encoded(outcome.answer) });
    } catch (error) {
      this.log.error({ reqId: claim.reqId, err: (error as Error).message }, 'idempotency key not settled');
    }
  }

  /** Keeps `answer` as the key's outcome (only over an in-flight claim, when another may have settled it first). */
  private async settle(owner: string, key: string, answer: EncodedAnswer, { onlyInFlight = false } = {}): Promise<void> {
    await this.store.db.updateTable('idempotency_keys')
      .set({ state: 'done', status: answer.status, headers: JSON.stringify(answer.headers), body: answer.body })
      .where('owner', '=', owner)
      .where('key', '=', key)
      .$if(onlyInFlight, (qb) => qb.where('state', '=', 'in-flight'))
      .execute();
  }

  /**
   * Gives the key back, if this claim holds it or has not landed yet: nothing reached the upstream,
   * so a retry must be executed. What stays is a `released` row of this claim (the next claim of
   * the key removes it), so that the claim, should the store take it late (its bytes held up by a
   * cut network), meets it and lands nowhere. Another exchange's claim is never touched.
   */
  async release({ owner, key, claimId }: KeyClaim): Promise<void> {
    await this.store.db.insertInto('idempotency_keys')
      .values({ owner, key, fingerprint: '', state: 'released', expires_at: this.store.sql.now(this.retentionHours * 3600), claim_id: claimId })
      .onConflict((conflict) => conflict.columns(['owner', 'key'])
        .doUpdateSet({ state: 'released' })
        .where('idempotency_keys.claim_id', '=', claimId)
        .where('idempotency_keys.state', '=', 'in-flight'))
      .execute();
  }

  purgeExpired(): Promise<number> {
    const eb = expressionBuilder<Database, 'idempotency_keys'>();
    return deleteInBatches(this.store, 'idempotency_keys', eb('expires_at', '<', this.store.sql.now()));
  }
}

function encoded(answer: StoredAnswer): EncodedAnswer {
  return { status: answer.status, headers: answer.headers, body: answer.body.toString('base64') };
}
