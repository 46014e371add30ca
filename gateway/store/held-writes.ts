import type { Logger } from 'pino';
import { PassFailures } from './pass-failures.ts';
import { SpoolDir } from './spool-dir.ts';
import { StoreUnavailable } from '../errors/store-unavailable.ts';

export interface HeldWritesOptions<T> {
  /** What one write is, for the log ("delivery outcome"). */
  what: string;
  /** Writes one to the store; throws `StoreUnavailable` while the store is out of reach. */
  apply: (write: T) => Promise<void>;
  /** The fields that name a write in the log lines about it. */
  describe: (write: T) => Record<string, unknown>;
  /** A write that is lost goes to the process log whole (a receipt ops must find), not only its name. */
  logWholeWhenLost?: boolean;
  /** Bytes held in memory at most, for writes the disk refuses too; past it, a write is lost (and logged). */
  maxMemoryBytes?: number;
}

/**
 * Writes that record what an upstream has already done (a delivery's receipt, a keyed exchange's
 * answer). The upstream will not say it again, so while the store is unavailable such a write is
 * held rather than lost: as a file under the data dir, which outlives a stop and is written at the
 * next start; in memory should the disk refuse it too. `replay` writes what is held, oldest first.
 */
export class HeldWrites<T> {
  private readonly spool: SpoolDir;
  private readonly options: Required<HeldWritesOptions<T>>;
  private readonly log: Logger;
  private inMemory: { write: T; bytes: number }[] = [];
  private memoryBytes = 0;
  private readonly writing = new Set<Promise<unknown>>();
  private replaying: Promise<Error | undefined> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(dir: string, options: HeldWritesOptions<T>, log: Logger) {
    this.spool = new SpoolDir(dir, '.json');
    this.options = { maxMemoryBytes: 64 * 2 ** 20, logWholeWhenLost: false, ...options };
    this.log = log;
  }

  /** Writes now; while the store is unavailable, holds the write instead. Any other failure is thrown. */
  write(write: T): Promise<'written' | 'held'> {
    const done = this.options.apply(write).then(
      () => 'written' as const,
      (error: unknown) => {
        if (!(error instanceof StoreUnavailable)) throw error;
        this.hold(write, error);
        return 'held' as const;
      },
    );
    this.writing.add(done);
    void done.catch(() => undefined).finally(() => this.writing.delete(done));
    return done;
  }

  private hold(write: T, why: Error): void {
    const content = JSON.stringify(write);
    const fields = { held: this.options.describe(write), err: why.message };
    try {
      this.spool.write(content);
      this.log.warn(fields, `${this.options.what} held on disk until the store is back`);
      return;
    } catch (diskError) {
      if (this.memoryBytes + content.length > this.options.maxMemoryBytes) {
        this.lost(write, `the disk refuses it too (${(diskError as Error).message}) and the memory for held writes is full`);
        return;
      }
      this.inMemory.push({ write, bytes: content.length });
      this.memoryBytes += content.length;
      this.log.warn({ ...fields, diskErr: (diskError as Error).message }, `${this.options.what} held in memory until the store is back (the disk refuses it too)`);
    }
  }

  private lost(write: T, why: string): void {
    this.log.error({ held: this.options.logWholeWhenLost ? write : this.options.describe(write), why }, `${this.options.what} lost: not written to the store`);
  }

  /** Writes held and not yet in the store. */
  get waiting(): number {
    return this.spool.files().length + this.inMemory.length;
  }

  /**
   * Writes what is held, oldest first, until something stops it: resolves to that error (the store
   * unavailable, the spool directory unreadable), or to undefined once nothing is left; never
   * rejects. A write the store rejects for another reason is set aside (its file renamed
   * `.refused`, for ops) so that it does not hold up the others.
   */
  replay(): Promise<Error | undefined> {
    this.replaying ??= this.replayHeld().catch((error: unknown) => error as Error).finally(() => {
      this.replaying = undefined;
    });
    return this.replaying;
  }

  private async replayHeld(): Promise<StoreUnavailable | undefined> {
    let written = 0;
    try {
      for (const file of this.spool.files()) {
        let write: T;
        try {
          write = JSON.parse(this.spool.read(file)) as T;
        } catch (error) {
          this.log.error({ err: (error as Error).message, file: this.spool.setAside(file, 'unreadable') }, `held ${this.options.what} unreadable; set aside`);
          continue;
        }
        const result = await this.applyHeld(write);
        if (result instanceof StoreUnavailable) return result;
        if (result === 'rejected') {
          this.spool.setAside(file, 'refused');
          continue;
        }
        this.spool.remove(file);
        written += 1;
      }
      while (this.inMemory.length > 0) {
        const held = this.inMemory[0]!;
        const result = await this.applyHeld(held.write);
        if (result instanceof StoreUnavailable) return result;
        this.inMemory.shift();
        this.memoryBytes -= held.bytes;
        if (result === 'rejected') this.lost(held.write, 'the store rejects it');
        else written += 1;
      }
      return undefined;
    } finally {
      if (written > 0) this.log.info({ written }, `held ${this.options.what}s written to the store`);
    }
  }

  private async applyHeld(write: T): Promise<'written' | 'rejected' | StoreUnavailable> {
    try {
      await this.options.apply(write);
      return 'written';
    } catch (error) {
      if (error instanceof StoreUnavailable) return error;
      this.log.error({ held: this.options.describe(write), err: (error as Error).message }, `held ${this.options.what} rejected by the store; set aside`);
      return 'rejected';
    }
  }

  /**
   * Replays now and then every `everyMs`, for writes nothing else replays (the delivery worker
   * replays its own at the start of each pass). Resolves once the first replay has ended.
   */
  async start(everyMs: number): Promise<void> {
    const replays = new PassFailures(this.log, `replay of held ${this.options.what}s`);
    const pass = async () => {
      const stopped = await this.replay();
      if (stopped) replays.failed(stopped);
      else replays.succeeded();
    };
    this.timer = setInterval(() => void pass(), everyMs);
    this.timer.unref();
    await pass();
  }

  /** On a stop: the writes still running end; what is held in memory goes to disk, or is logged whole as lost. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await Promise.allSettled([...this.writing]);
    await this.replaying;
    for (const { write } of this.inMemory.splice(0)) {
      try {
        this.spool.write(JSON.stringify(write));
      } catch (error) {
        this.lost(write, `the gateway stopped and the disk refuses it (${(error as Error).message})`);
      }
    }
    this.memoryBytes = 0;
  }
}
