import type { Logger } from 'pino';

/**
 * A background pass (the delivery worker's, the callbacks') runs every `pollMs`; while the store is
 * down every pass fails alike. The log gets the first failure, a new kind of failure, and the
 * return to work: a line a pass would be hundreds over an outage of minutes.
 */
export class PassFailures {
  private readonly log: Logger;
  private readonly what: string;
  private failing: { since: number; passes: number; message: string } | undefined;

  constructor(log: Logger, what: string) {
    this.log = log;
    this.what = what;
  }

  failed(error: Error): void {
    if (this.failing?.message !== error.message) this.log.warn({ err: error.message }, `${this.what} failed; next passes retry`);
    this.failing = { since: this.failing?.since ?? Date.now(), passes: (this.failing?.passes ?? 0) + 1, message: error.message };
  }

  succeeded(): void {
    if (!this.failing) return;
    this.log.info({ failedPasses: this.failing.passes, failingMs: Date.now() - this.failing.since }, `${this.what} works again`);
    this.failing = undefined;
  }
}
