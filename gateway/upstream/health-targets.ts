import type { HealthCheckSpec } from '../config/shared-schemas.ts';
import type { BreakerSettings } from '../resilience/breakers.ts';
import type { HealthCheckTarget } from './health-checks.ts';

// The spec's schema is shared with the contract format and the config, below them in config.
export type { HealthCheckSpec } from '../config/shared-schemas.ts';

export const defaultHealthCheck = Object.freeze({ intervalSeconds: 10, timeoutMs: 2000 });

/** What is read from a route: structurally `Route` of the routing table. */
export interface HealthCheckedRoute {
  contract: {
    upstream?: { name: string; healthCheck?: HealthCheckSpec };
    resilience?: { breaker?: Partial<BreakerSettings> };
  };
  /** The resolved base URL (config `upstreams.<name>.url` over the contract's). */
  upstream: URL | null;
}

export interface HealthTargetOptions {
  /**
   * Config `upstreams.<name>.healthCheck`: `false` turns the contract's check off (a test
   * environment whose upstream has no health endpoint); an object overrides it field by field, and
   * with a `path` may add a check the contract lacks.
   */
  override?: (upstream: string) => Partial<HealthCheckSpec> | false | undefined;
  /** Mutual TLS material (PEM contents) of an upstream, as its adapter client uses it. */
  tls?: (upstream: string) => HealthCheckTarget['tls'] | undefined;
}

/**
 * The health check targets of the active routes: one per upstream with a check (contract, then
 * config override) and a base URL. Routes of one contract give one target; contracts that
 * disagree on an upstream's check give several, and `HealthChecks.configure` keeps the first.
 */
export function healthCheckTargets(routes: readonly HealthCheckedRoute[], options: HealthTargetOptions = {}): HealthCheckTarget[] {
  const targets: HealthCheckTarget[] = [];
  const seen = new Set<string>();
  for (const { contract, upstream: url } of routes) {
    const name = contract.upstream?.name;
    if (!name || !url) continue;
    const override = options.override?.(name);
    if (override === false) continue;
    const spec = { ...contract.upstream?.healthCheck, ...definedOnly(override ?? {}) };
    if (typeof spec.path !== 'string' || spec.path === '') continue;
    const intervalMs = (spec.intervalSeconds ?? defaultHealthCheck.intervalSeconds) * 1000;
    const tls = options.tls?.(name);
    const target: HealthCheckTarget = {
      upstream: name,
      url,
      path: spec.path,
      intervalMs,
      timeoutMs: spec.timeoutMs ?? Math.min(defaultHealthCheck.timeoutMs, intervalMs),
      ...(spec.unhealthyThreshold === undefined ? {} : { unhealthyThreshold: spec.unhealthyThreshold }),
      ...(contract.resilience?.breaker ? { breaker: contract.resilience.breaker } : {}),
      ...(tls ? { tls } : {}),
    };
    const key = JSON.stringify([name, url.href, target.path, target.intervalMs, target.timeoutMs, target.unhealthyThreshold ?? null]);
    if (seen.has(key)) continue;
    seen.add(key);
    targets.push(target);
  }
  return targets;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
