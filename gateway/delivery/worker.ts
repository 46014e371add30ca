import { join } from 'node:path';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/schema.ts';
import { CallbackNotifier } from './callbacks.ts';
import type { AttemptOutcome, Delivery, Outbox } from './outbox.ts';
import { DeliveryAgents, sendDelivery, type SenderDeps } from './sender.ts';
import { HeldWrites } from '../store/held-writes.ts';
import { PassFailures } from '../store/pass-failures.ts';

/**
 * Delivers what the outbox holds: due deliveries in creation order, one at a time per instance
 * (order per key is kept by the claim), retried with exponential backoff and jitter while the
 * upstream is unreachable, parked as `failed` after `maxAttempts` or when the outcome is unknown.
 * Callbacks of ended deliveries go out from their own notifier, so a slow receiver holds up no delivery.
 */
export class DeliveryWorker {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private readonly outbox: Outbox;
  private readonly deps: () => Omit<SenderDeps, 'agents'>;
  private readonly agents = new DeliveryAgents();
  private readonly settings: GatewayConfig['delivery'];
  private readonly log: Logger;
  private readonly passes: PassFailures;
  /** Outcomes the store could not take when they came back: written before anything else. */
  private readonly held: HeldWrites<AttemptOutcome>;
  /** Counters for tests and the admin view. */
  readonly stats = { delivered: 0, retried: 0, parked: 0 };
  readonly callbacks: CallbackNotifier;
  /** A pass ended a delivery: its callback (if any) is due now, not at the notifier's next poll. */
  private endedAny = false;

  constructor(outbox: Outbox, deps: () => Omit<SenderDeps, 'agents'>, settings: GatewayConfig['delivery'], log: Logger, dataDir: string) {
    this.outbox = outbox;
    this.deps = deps;
    this.settings = settings;
    this.log = log;
    this.passes = new PassFailures(log, 'delivery pass');
    this.callbacks = new CallbackNotifier(outbox, settings, log);
    this.held = new HeldWrites(join(dataDir, 'spool', 'deliveries'), {
      what: 'delivery outcome',
      apply: async (outcome) => {
        if (!(await outbox.record(outcome))) log.warn({ deliveryId: outcome.id, outcome: outcome.state }, 'held delivery outcome not recorded: the delivery had moved on (recorded already, or retried or cancelled by ops)');
      },
      describe: (outcome) => ({ deliveryId: outcome.id, outcome: outcome.state, attempts: outcome.attempts }),
      // Should it be lost, the process log is where ops find the receipt.
      logWholeWhenLost: true,
    }, log);
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.settings.pollMs);
    this.timer.unref();
    void this.tick();
    this.callbacks.start();
  }

  /** Outcomes held until the store is back (see `held`). */
  get heldOutcomes(): number {
    return this.held.waiting;
  }

  /** One pass now (also used by tests, right after an acceptance and after an ops retry); then the callbacks it made due. */
  tick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.running ??= this.pass().then(() => this.passes.succeeded(), (error: Error) => this.passes.failed(error)).finally(() => {
      this.running = undefined;
      if (this.endedAny) {
        this.endedAny = false;
        void this.callbacks.tick();
      }
    });
    return this.running;
  }

  private backoff(attempts: number): number {
    const ceiling = Math.min(this.settings.maxDelayMs, this.settings.baseDelayMs * 2 ** Math.max(0, attempts - 1));
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  /** When ended deliveries were last purged: at most once an hour, and at start. */
  private purgedAt = 0;

  private async purge(): Promise<void> {
    if (Date.now() - this.purgedAt < 3_600_000) return;
    this.purgedAt = Date.now();
    const purged = await this.outbox.purgeEnded(this.settings.retentionDays);
    if (purged > 0) this.log.info({ purged, retentionDays: this.settings.retentionDays }, 'ended deliveries past their retention deleted');
  }

  private async pass(): Promise<void> {
    // Before the leases: a delivery whose outcome is held must not be parked as "outcome unknown".
    const stopped = await this.held.replay();
    if (stopped) throw stopped;
    await this.purge();
    const parked = await this.outbox.parkExpiredLeases();
    if (parked > 0) {
      this.endedAny = true;
      this.log.warn({ parked }, 'deliveries interrupted by a stop were parked (outcome unknown)');
    }
    // One delivery claimed at a time: a stop (or a SIGKILL) leaves at most the one being sent with
    // an unknown outcome; the others are still `pending` and go out after the restart.
    for (;;) {
      if (this.stopped) return;
      const [delivery] = await this.outbox.claimDue(1, this.settings.leaseSeconds);
      if (!delivery) return;
      await this.deliver(delivery);
    }
  }

  private async deliver(delivery: Delivery): Promise<void> {
    const deps: SenderDeps = { ...this.deps(), agents: this.agents };
    // The lease must outlast the attempt, or another instance would park it while it is being sent.
    const timeoutMs = deps.table.routes.find((r) => r.contract.id === delivery.contract)?.contract.timeoutMs ?? 0;
    const attemptSeconds = Math.ceil(timeoutMs / 1000) + 5;
    if (attemptSeconds > this.settings.leaseSeconds) await this.outbox.extendLease(delivery.id, attemptSeconds);
    const outcome = await sendDelivery(delivery, deps);
    if (outcome.kind === 'wait') {
      await this.held.write({ id: delivery.id, state: 'pending', attempts: delivery.attempts, delayMs: outcome.delayMs, error: outcome.error });
      return;
    }
    const attempts = delivery.attempts + 1;
    const fields = { deliveryId: delivery.id, contract: delivery.contract, attempts };
    if (outcome.kind === 'delivered') {
      await this.held.write({ id: delivery.id, state: 'delivered', attempts, response: outcome.response });
      this.endedAny = true;
      this.stats.delivered++;
      this.log.info(fields, 'delivered');
    } else if (outcome.kind === 'retry' && attempts < delivery.maxAttempts) {
      const delayMs = this.backoff(attempts);
      await this.held.write({ id: delivery.id, state: 'pending', attempts, delayMs, error: outcome.error });
      this.stats.retried++;
      this.log.info({ ...fields, delayMs, error: outcome.error }, 'delivery will be retried');
    } else {
      const error = outcome.kind === 'retry' ? `gave up after ${attempts} attempts: ${outcome.error}` : outcome.error;
      await this.held.write({ id: delivery.id, state: 'failed', attempts, error, response: outcome.kind === 'park' ? outcome.response ?? null : null });
      this.endedAny = true;
      this.stats.parked++;
      this.log.warn({ ...fields, error }, 'delivery parked for the Dinas (retry or cancel in /admin/v1/deliveries)');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
    await this.held.close();
    await this.callbacks.stop();
    await this.agents.close();
  }
}
