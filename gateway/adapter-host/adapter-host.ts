import type { Logger } from 'pino';
import { describeAdapters, type DiscoveredAdapter } from '../../adapters/index.ts';
import type { AdapterDescriptor, AdapterInstance, PublicRoute } from '../adapter-api/model.ts';
import { Credentials } from '../upstream/credentials.ts';
import { upstreamTlsOf } from '../upstream/tls.ts';
import { UpstreamClient } from '../upstream/upstream-client.ts';
import { Agent } from 'undici';
import type { GatewayConfig } from '../config/schema.ts';
import type { ContractDefinition } from '../registry/contract.ts';
import type { RoutingTable } from '../registry/routing-table.ts';
import { documentStore } from './documents.ts';
import type { Breakers } from '../resilience/index.ts';
import type { Store } from '../store/store.ts';

/**
 * The adapters of this gateway and their running instances: one per adapter and upstream (so an
 * upstream's connection pool and token caches are shared by every contract that calls it),
 * created on first use, closed on shutdown.
 */
export class AdapterHost {
  private readonly instances = new Map<string, AdapterInstance>();
  private readonly dispatchers: Agent[] = [];
  private readonly adapters: ReadonlyMap<string, DiscoveredAdapter>;
  private readonly config: GatewayConfig;
  private readonly store: Store;
  private readonly log: Logger;

  private readonly breakers: Breakers;

  constructor(adapters: ReadonlyMap<string, DiscoveredAdapter>, config: GatewayConfig, store: Store, log: Logger, breakers: Breakers) {
    this.breakers = breakers;
    this.adapters = adapters;
    this.config = config;
    this.store = store;
    this.log = log;
  }

  get descriptors(): Map<string, AdapterDescriptor> {
    return describeAdapters(this.adapters);
  }

  /** The instance serving `contract`; `upstreamUrl` is the route's resolved base URL. */
  instanceFor(contract: ContractDefinition, upstreamUrl: URL | null): AdapterInstance {
    const name = contract.forwarding;
    const upstreamName = contract.upstream?.name ?? name;
    const key = `${name}\u0000${upstreamName}\u0000${upstreamUrl?.href ?? ''}\u0000${contract.timeoutMs}`;
    let instance = this.instances.get(key);
    if (instance) return instance;
    const adapter = this.adapters.get(name);
    // The loader refuses contracts naming an unknown adapter; this guards a store written by a newer gateway.
    if (!adapter) throw new Error(`contract ${contract.id} names adapter ${name}, which this gateway does not have`);
    const log = this.log.child({ adapter: name, upstream: upstreamName });
    const credentials = new Credentials(upstreamName, this.config.upstreams[upstreamName]?.credentials ?? {});
    const missing = credentials.missing(adapter.module.credentials ?? []);
    if (missing.length > 0) log.warn({ missing }, 'upstream credentials not configured: calls will fail with UPSTREAM_AUTH_FAILED');
    const tls = upstreamTlsOf(this.config.upstreams, upstreamName);
    const dispatcher = tls ? new Agent({ connect: tls }) : undefined;
    if (dispatcher) this.dispatchers.push(dispatcher);
    instance = adapter.module.create({
      upstreamName,
      upstreamUrl,
      timeoutMs: contract.timeoutMs,
      credentials,
      upstreamClient: ({ system, maxResponseBytes }) => {
        if (!upstreamUrl) throw new Error(`adapter ${name} needs an upstream URL: upstreams.${upstreamName}.url or the contract's upstream.url`);
        const guard = { breaker: this.breakers.for(upstreamName, contract.resilience?.breaker), ...(contract.resilience?.retries ? { retries: contract.resilience.retries } : {}) };
        return new UpstreamClient(upstreamUrl, { system, timeoutMs: contract.timeoutMs, guard, ...(maxResponseBytes ? { maxResponseBytes } : {}), ...(tls ? { tls } : {}) });
      },
      dispatcher,
      documents: documentStore(this.store, name),
      log,
    });
    this.instances.set(key, instance);
    return instance;
  }

  /** A public route of an adapter that an active contract in `table` uses. */
  publicRoute(table: RoutingTable, pathname: string): PublicRoute | null {
    for (const route of table.routes) {
      const { contract } = route;
      if (contract.forwarding === 'passthrough') continue;
      const instance = this.instanceFor(contract, route.upstream);
      const found = instance.publicRoutes?.find((candidate) => candidate.path === pathname);
      if (found) return found;
    }
    return null;
  }

  async close(): Promise<void> {
    const closing = [...this.instances.values()].map((instance) => instance.close?.() ?? Promise.resolve());
    closing.push(...this.dispatchers.map((dispatcher) => dispatcher.close()));
    this.instances.clear();
    await Promise.allSettled(closing);
  }
}
