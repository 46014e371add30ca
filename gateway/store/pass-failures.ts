import type { Logger } from 'pino';

/**
 * Background passes over the store (the delivery worker's and the callbacks' every `pollMs`, the
 * registry's refresh) fail alike, every pass, while the store is down. The log gets the first
 * failure, a new kind of failure, and the return to work: a line a pass would be hundreds over
 * an outage of minutes.
 */
export class PassFailures {
  private readonly log: Logger;
  private readonly what: string;
  private readonly meanwhile: string;
  private failing: { since: number; passes: number; message: string } | undefined;

  /** `meanwhile`: what goes on while the passes fail, for the failure's line. */
  constructor(log: Logger, what: string, meanwhile = '') {
    this.log = log;
    this.what = what;
    this.meanwhile = meanwhile ? `; ${meanwhile}` : '';
  }

  failed(error: Error): void {
    if (this.failing?.message !== error.message) this.log.warn({ err: error.message }, `${this.what} failed; next passes retry${this.meanwhile}`);
    this.failing = { since: this.failing?.since ?? Date.now(), passes: (this.failing?.passes ?? 0) + 1, message: error.message };
  }

  succeeded(): void {
    if (!this.failing) return;
    this.log.info({ failedPasses: this.failing.passes, failingMs: Date.now() - this.failing.since }, `${this.what} works again`);
    this.failing = undefined;
  }
}
