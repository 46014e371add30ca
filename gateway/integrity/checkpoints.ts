import type { Logger } from 'pino';
import { storedAuditHead } from '../audit/chain.ts';
import type { GatewayConfig } from '../config/schema.ts';
import { PassFailures } from '../store/pass-failures.ts';
import type { Store } from '../store/store.ts';
import type { TrafficLog } from '../traffic/traffic-log.ts';

/**
 * What signs checkpoints: a compact JWS (EdDSA, Ed25519) over the JSON payload, its protected
 * header `{ alg, kid, typ }`. The gateway's `SigningKeys` (keys.ts) is one; tests wrap a key of
 * their own.
 */
export interface CheckpointSigner {
  sign(payload: Record<string, unknown>, typ: string): Promise<string>;
}

/** The `typ` of a checkpoint's JWS header: no other object the gateway signs passes for one. */
export const checkpointType = 'penghubung-checkpoint+jws';

export type LogName = 'traffic' | 'audit';

/**
 * A checkpoint's payload: the chain's row at `chain_seq` has hash `hash` (hex), stated at `at`
 * (ISO 8601, UTC, milliseconds). Named as the columns of `log_checkpoints`, which keep the same.
 */
export interface CheckpointPayload {
  log: LogName;
  chain: string;
  chain_seq: number;
  hash: string;
  at: string;
}

interface Signed { log: LogName; chain: string; seq: number }

/**
 * Signs the head of this instance's traffic chain and of the store's audit chain into
 * `log_checkpoints`: once a chain has grown `checkpointRows` rows since its last checkpoint, and
 * every `checkpointSeconds` when it has grown at all. Off the exchanges' path: the traffic head
 * comes from the writer's memory (the last row it knows to be in the store or the spool, never
 * one a crash could lose and the next start reuse), the audit head from one indexed read per
 * period. Several instances on one PostgreSQL each sign the audit chain; the first checkpoint of
 * a place is kept.
 */
export class LogCheckpoints {
  private readonly store: Store;
  private readonly traffic: Pick<TrafficLog, 'chainId' | 'durable' | 'onDurable'>;
  private readonly signer: CheckpointSigner;
  private readonly options: GatewayConfig['integrity'];
  private readonly failures: PassFailures;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** A pass asked for while one runs: one more after it (`true`: of every chain that grew). */
  private again: boolean | undefined;
  private trafficSigned = 0;
  private stopped = false;
  readonly stats = { signed: 0, failed: 0 };

  constructor(store: Store, traffic: Pick<TrafficLog, 'chainId' | 'durable' | 'onDurable'>, signer: CheckpointSigner, options: GatewayConfig['integrity'], log: Logger) {
    this.store = store;
    this.traffic = traffic;
    this.signer = signer;
    this.options = options;
    this.failures = new PassFailures(log, 'log checkpoints', 'the chains grow unsigned meanwhile; the next pass signs their heads');
  }

  /** Reads where this instance's traffic chain was last signed, then checkpoints on both triggers. */
  async start(): Promise<void> {
    try {
      const last = await this.store.db.selectFrom('log_checkpoints').select((eb) => eb.fn.max('chain_seq').as('seq'))
        .where('log', '=', 'traffic').where('chain', '=', this.traffic.chainId).executeTakeFirst();
      this.trafficSigned = Number(last?.seq ?? 0);
    } catch (error) {
      // Unknown: the head gets signed again at worst, and a place signed twice is kept once.
      this.failures.failed(error as Error);
    }
    this.traffic.onDurable((head) => {
      if (head.seq - this.trafficSigned >= this.options.checkpointRows) void this.pass(false);
    });
    this.timer = setInterval(() => void this.pass(true), this.options.checkpointSeconds * 1000);
    this.timer.unref();
  }

  /**
   * One pass now: every chain that has grown since its last checkpoint is signed (`all`), or only
   * those that grew by `checkpointRows`. Resolves once it is stored, or has failed (logged).
   */
  checkpoint(all = true): Promise<void> {
    return this.pass(all);
  }

  /**
   * Stops the timer and signs what grew since the last checkpoints: called after the traffic log
   * is closed, so its last rows are in the store or the spool, and before the store closes.
   */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.stopped = true;
    while (this.running) await this.running;
    await this.signDue(true);
  }

  private pass(all: boolean): Promise<void> {
    if (this.stopped) return this.running ?? Promise.resolve();
    if (this.running) {
      this.again = this.again === true || all;
      return this.running;
    }
    this.running = this.signDue(all).finally(() => {
      this.running = undefined;
      const again = this.again;
      this.again = undefined;
      if (again !== undefined) void this.pass(again);
    });
    return this.running;
  }

  private async signDue(all: boolean): Promise<void> {
    try {
      const traffic = this.traffic.durable;
      if (traffic && traffic.seq > this.trafficSigned && (all || traffic.seq - this.trafficSigned >= this.options.checkpointRows)) {
        await this.sign({ log: 'traffic', chain: traffic.chain, seq: traffic.seq }, traffic.hash);
        this.trafficSigned = traffic.seq;
      }
      if (all) await this.signAudit();
      this.failures.succeeded();
    } catch (error) {
      this.stats.failed += 1;
      this.failures.failed(error as Error);
    }
  }

  /** The audit chain is written by every writer of the store: its head and last checkpoint are read. */
  private async signAudit(): Promise<void> {
    const head = await storedAuditHead(this.store);
    if (head.seq === 0 || !head.hash) return;
    const last = await this.store.db.selectFrom('log_checkpoints').select((eb) => eb.fn.max('chain_seq').as('seq'))
      .where('log', '=', 'audit').where('chain', '=', head.chain).executeTakeFirst();
    if (Number(last?.seq ?? 0) >= head.seq) return;
    await this.sign({ log: 'audit', chain: head.chain, seq: head.seq }, head.hash);
  }

  private async sign(place: Signed, hash: string): Promise<void> {
    const payload: CheckpointPayload = { log: place.log, chain: place.chain, chain_seq: place.seq, hash, at: new Date().toISOString() };
    const jws = await this.signer.sign({ ...payload }, checkpointType);
    await this.store.db.insertInto('log_checkpoints').values({ ...payload, jws })
      .onConflict((conflict) => conflict.columns(['log', 'chain', 'chain_seq']).doNothing()).execute();
    this.stats.signed += 1;
  }
}
