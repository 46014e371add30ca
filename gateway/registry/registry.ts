import type { Logger } from 'pino';
import type { Store } from '../store/store.ts';
import { readRevision, readSnapshot } from './repository.ts';
import { RoutingTable } from './routing-table.ts';
import { PassFailures } from '../store/pass-failures.ts';

/**
 * Holds the routing table in force and replaces it whole when the registry revision in the store
 * moves (this instance's `penghubung apply`, or another instance's on shared PostgreSQL).
 */
export class Registry {
  private table: RoutingTable;
  private timer: NodeJS.Timeout | undefined;
  private readonly store: Store;
  private readonly upstreams: Record<string, { url?: string }>;
  private readonly log: Logger;

  private constructor(store: Store, upstreams: Record<string, { url?: string }>, log: Logger, table: RoutingTable) {
    this.store = store;
    this.upstreams = upstreams;
    this.log = log;
    this.table = table;
  }

  static async open(store: Store, upstreams: Record<string, { url?: string }>, log: Logger): Promise<Registry> {
    return new Registry(store, upstreams, log, new RoutingTable(await readSnapshot(store), upstreams));
  }

  private readonly swapListeners: ((table: RoutingTable) => void)[] = [];

  get current(): RoutingTable {
    return this.table;
  }

  /** Rebuilds when the stored revision differs from the table's. Returns whether it swapped. */
  async refresh(): Promise<boolean> {
    if ((await readRevision(this.store)) === this.table.revision) return false;
    const next = new RoutingTable(await readSnapshot(this.store), this.upstreams);
    // Two refreshes may overlap (poll and an explicit one); an older snapshot never replaces a newer.
    if (next.revision <= this.table.revision) return false;
    this.table = next;
    this.log.info({ revision: next.revision, routes: next.routes.length }, 'routing table swapped');
    for (const listener of this.swapListeners) listener(next);
    return true;
  }

  /** Called after every swap (health checks follow the active upstreams). */
  onSwap(listener: (table: RoutingTable) => void): void {
    this.swapListeners.push(listener);
  }

  watch(intervalSeconds: number): void {
    const passes = new PassFailures(this.log, 'registry refresh', 'the current routing table is kept meanwhile');
    this.timer = setInterval(() => {
      this.refresh().then(() => passes.succeeded(), (error: Error) => passes.failed(error));
    }, intervalSeconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
