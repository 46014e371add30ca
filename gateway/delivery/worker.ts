import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/schema.ts';
import { CallbackNotifier } from './callbacks.ts';
import type { Outbox } from './outbox.ts';
import { sendDelivery, type SenderDeps } from './sender.ts';

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
  private readonly deps: () => SenderDeps;
  private readonly settings: GatewayConfig['delivery'];
  private readonly log: Logger;
  /** Counters for tests and the admin view. */
  readonly stats = { delivered: 0, retried: 0, parked: 0 };
  readonly callbacks: CallbackNotifier;
  /** A pass ended a delivery: its callback (if any) is due now, not at the notifier's next poll. */
  private endedAny = false;

  constructor(outbox: Outbox, deps: () => SenderDeps, settings: GatewayConfig['delivery'], log: Logger) {
    this.outbox = outbox;
    this.deps = deps;
    this.settings = settings;
    this.log = log;
    this.callbacks = new CallbackNotifier(outbox, settings, log);
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.settings.pollMs);
    this.timer.unref();
    void this.tick();
    this.callbacks.start();
  }

  /** One pass now (also used by tests, right after an acceptance and after an ops retry); then the callbacks it made due. */
  tick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.running ??= this.pass().catch((error: Error) => this.log.warn({ err: error.message }, 'delivery pass failed; next pass retries')).finally(() => {
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

  private async pass(): Promise<void> {
    const parked = await this.outbox.parkExpiredLeases();
    if (parked > 0) {
      this.endedAny = true;
      this.log.warn({ parked }, 'deliveries interrupted by a stop were parked (outcome unknown)');
    }
    for (;;) {
      if (this.stopped) return;
      const due = await this.outbox.claimDue(this.settings.batchSize, this.settings.leaseSeconds);
      if (due.length === 0) return;
      for (const delivery of due) {
        const outcome = await sendDelivery(delivery, this.deps());
        if (outcome.kind === 'wait') {
          await this.outbox.retryLater(delivery.id, delivery.attempts, outcome.delayMs, outcome.error);
          continue;
        }
        const attempts = delivery.attempts + 1;
        const fields = { deliveryId: delivery.id, contract: delivery.contract, attempts };
        if (outcome.kind === 'delivered') {
          await this.outbox.delivered(delivery.id, outcome.response, attempts);
          this.endedAny = true;
          this.stats.delivered++;
          this.log.info(fields, 'delivered');
        } else if (outcome.kind === 'retry' && attempts < delivery.maxAttempts) {
          const delayMs = this.backoff(attempts);
          await this.outbox.retryLater(delivery.id, attempts, delayMs, outcome.error);
          this.stats.retried++;
          this.log.info({ ...fields, delayMs, error: outcome.error }, 'delivery will be retried');
        } else {
          const error = outcome.kind === 'retry' ? `gave up after ${attempts} attempts: ${outcome.error}` : outcome.error;
          await this.outbox.park(delivery.id, attempts, error, outcome.kind === 'park' ? outcome.response ?? null : null);
          this.endedAny = true;
          this.stats.parked++;
          this.log.warn({ ...fields, error }, 'delivery parked for the Dinas (retry or cancel in /admin/v1/deliveries)');
        }
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
    await this.callbacks.stop();
  }
}
