import { createServer } from 'node:http';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { GatewayConfig } from './config/schema.ts';
import { createAdminApp } from './listeners/admin.ts';
import { Health } from './listeners/health.ts';
import { createInternalServer } from './listeners/internal.ts';
import { listen, type Listening } from './listeners/serve.ts';
import type { PipelineContext } from './pipeline/context.ts';
import { Forwarder } from './pipeline/forwarder.ts';
import { GatewayMetrics } from './metrics/metrics.ts';
import { loadContracts } from './registry/load-contracts.ts';
import { Registry } from './registry/registry.ts';
import { applyContracts } from './registry/apply.ts';
import { cliSource } from './audit/audit.ts';
import { Problem } from './errors/problem.ts';
import { openStore } from './store/open.ts';
import type { Store } from './store/store.ts';
import { TokenVerifier } from './sso/token-verifier.ts';
import { LogCheckpoints } from './integrity/checkpoints.ts';
import { SigningKeys } from './integrity/keys.ts';
import { instanceId } from './store/log-chain.ts';
import { TrafficLog } from './traffic/traffic-log.ts';
import { TrafficRollup } from './traffic/rollup.ts';
import { discoverAdapters } from '../adapters/index.ts';
import type { AdapterDescriptor } from './adapter-api/model.ts';
import { AdapterHost } from './adapter-host/adapter-host.ts';
import { UpstreamPools } from './upstream/pools.ts';
import { upstreamTlsOf } from './upstream/tls.ts';
import { Breakers } from './resilience/index.ts';
import { HealthChecks } from './upstream/health-checks.ts';
import { healthCheckTargets } from './upstream/health-targets.ts';
import { Limits } from './limits/limits.ts';
import { IdempotencyStore } from './idempotency/store.ts';
import { Outbox } from './delivery/outbox.ts';
import { DeliveryWorker } from './delivery/worker.ts';
import { createPublicServer } from './listeners/public.ts';
import { createExternalServer } from './listeners/external.ts';
import { noRevocations, TlsMaterial } from './partners/tls-material.ts';

export interface Gateway {
  config: GatewayConfig;
  log: Logger;
  store: Store;
  registry: Registry;
  verifier: TokenVerifier;
  traffic: TrafficLog;
  /** The traffic log's rollups (services view, reports), made in the background. */
  rollup: TrafficRollup;
  adapters: AdapterHost;
  /** Signed checkpoints of the traffic and audit chains (docs/integrity.md). */
  checkpoints: LogCheckpoints;
  /** Rate limits and daily quotas (shared through Redis when configured). */
  limits: Limits;
  deliveries: { outbox: Outbox; worker: DeliveryWorker };
  internal: Listening;
  admin: Listening;
  /** The partner listener (mutual TLS), when `external.enabled`. */
  external: Listening | null;
  /** The feeds listener, when `public.enabled`. */
  public: Listening | null;
  /** TLS files of the listeners that have them (monitoring, reload). */
  tls: { internal: TlsMaterial | null; external: TlsMaterial | null };
  /** Graceful stop: drain in-flight exchanges, flush the traffic log, close the store. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** Where pino writes (tests capture it); stdout by default. */
  logStream?: DestinationStream;
}

export function createLogger(config: GatewayConfig, stream?: DestinationStream): Logger {
  return pino(
    // No redaction paths: wildcard redaction walks every line (~20 µs per exchange measured), and
    // exchange lines are built field by field from values that carry no secret or personal id.
    { level: config.log.level, base: { service: 'penghubung' } },
    stream ?? pino.destination({ sync: false, minLength: 4096 }),
  );
}

/**
 * Contracts from the configured directories, applied on start (idempotent): as drafts awaiting
 * approval, or as written with `contracts.bootstrap`. A version changed past draft is refused and
 * logged, and the gateway starts with the registry as it is.
 */
export async function applyConfiguredContracts(store: Store, config: GatewayConfig, log: Logger, adapters: ReadonlyMap<string, AdapterDescriptor>): Promise<void> {
  if (config.contracts.directories.length === 0) return;
  const mode = config.contracts.bootstrap ? 'bootstrap' : 'review';
  try {
    const summary = await applyContracts(store, loadContracts(config.contracts.directories, adapters), { mode, source: cliSource() });
    log.info({ mode, created: summary.created, updated: summary.updated, unchanged: summary.unchanged.length, revision: summary.revision }, 'contracts applied');
  } catch (error) {
    if (!(error instanceof Problem) || error.code !== 'CONTRACT_STATE_CONFLICT') throw error;
    log.warn({ mode, conflicts: error.extensions.conflicts }, `contract files not applied: ${error.message}`);
  }
}

export async function startGateway(config: GatewayConfig, options: StartOptions = {}): Promise<Gateway> {
  const log = createLogger(config, options.logStream);
  const discovered = await discoverAdapters(config.adapters.directories);
  const store = await openStore(config, log.child({ component: 'store' }));
  try {
    const breakers = new Breakers(log);
    const limits = await Limits.create({ redisUrl: config.redis.url, log });
    const adapters = new AdapterHost(discovered, config, store, log, breakers);
    await applyConfiguredContracts(store, config, log, adapters.descriptors);
    const registry = await Registry.open(store, config.upstreams, log);
    registry.watch(config.contracts.reloadSeconds);
    const healthChecks = new HealthChecks(breakers, log.child({ component: 'health-checks' }));
    const syncHealthChecks = () => healthChecks.configure(healthCheckTargets(registry.current.routes, {
      override: (name) => config.upstreams[name]?.healthCheck,
      tls: (name) => upstreamTlsOf(config.upstreams, name),
    }));
    syncHealthChecks();
    registry.onSwap(syncHealthChecks);
    const verifier = new TokenVerifier(config.sso, log);
    await verifier.start();
    const traffic = new TrafficLog(store, config.trafficLog, config.dataDir, log, instanceId(config.dataDir, config.integrity.instanceId));
    await traffic.start();
    const keys = await SigningKeys.open(config.dataDir, { log: log.child({ component: 'keys' }) });
    const checkpoints = new LogCheckpoints(store, traffic, keys, config.integrity, log.child({ component: 'log-checkpoints' }));
    await checkpoints.start();
    const rollup = new TrafficRollup(store, log.child({ component: 'traffic-rollup' }));
    rollup.start();
    const forwarder = new Forwarder(config.limits.bodyBytes, new UpstreamPools((name) => upstreamTlsOf(config.upstreams, name)));
    const idempotency = new IdempotencyStore(store, config.idempotency.retentionHours, { dataDir: config.dataDir, log });
    await idempotency.start();
    const purge = setInterval(() => {
      idempotency.purgeExpired().catch((error: Error) => log.warn({ err: error.message }, 'expired idempotency keys not purged'));
    }, 3_600_000);
    purge.unref();
    const outbox = new Outbox(store);
    const worker = new DeliveryWorker(outbox, () => ({ table: registry.current, adapters, breakers, limits }), config.delivery, log.child({ component: 'delivery' }), config.dataDir);
    const metrics = new GatewayMetrics({ breakers, traffic, registry, store });
    const ctx: PipelineContext = { config, log, store, verifier, registry, forwarder, adapters, breakers, limits, idempotency, deliveries: { outbox, worker }, traffic, rollup, revocations: noRevocations, metrics, keys };
    worker.start();
    const internalTls = config.internal.tls.cert ? new TlsMaterial(config.internal.tls, log.child({ listener: 'internal' })) : null;
    const externalTls = config.external.enabled ? new TlsMaterial(config.external.tls, log.child({ listener: 'external' })) : null;
    const health = new Health({
      store, verifier, registry, traffic, limits, upstreams: healthChecks,
      heldWrites: () => ({ 'delivery outcomes': worker.heldOutcomes, 'idempotency outcomes': idempotency.heldOutcomes }),
    });
    let draining = false;
    const internal = await listen(createInternalServer(ctx, health, () => draining, internalTls), config.internal.host, config.internal.port);
    const external = externalTls ? await listen(createExternalServer(ctx, externalTls, health, () => draining), config.external.host, config.external.port) : null;
    const admin = await listen(createServer(createAdminApp(ctx, store, health, { internal: internalTls, external: externalTls })), config.admin.host, config.admin.port);
    const publicFeeds = config.public.enabled ? await listen(createPublicServer(ctx, health, () => draining), config.public.host, config.public.port) : null;
    log.info({ internal: internal.url, external: external?.url, admin: admin.url, public: publicFeeds?.url, store: store.kind, routes: registry.current.routes.length, adapters: [...discovered.keys()] }, 'penghubung ready');

    let closing: Promise<void> | undefined;
    return {
      config, log, store, registry, verifier, traffic, rollup, adapters, limits, checkpoints, deliveries: { outbox, worker }, internal, external, admin, public: publicFeeds,
      tls: { internal: internalTls, external: externalTls },
      close() {
        closing ??= (async () => {
          draining = true;
          health.setDraining();
          const drainMs = config.shutdown.drainSeconds * 1000;
          await Promise.all([internal.drain(drainMs), external?.drain(drainMs), admin.drain(Math.min(drainMs, 2000)), publicFeeds?.drain(Math.min(drainMs, 2000))]);
          internalTls?.stop();
          externalTls?.stop();
          await worker.stop();
          await idempotency.close();
          registry.stop();
          verifier.stop();
          await rollup.stop();
          await traffic.close();
          await checkpoints.stop();
          forwarder.close();
          await adapters.close();
          await healthChecks.stop();
          breakers.close();
          clearInterval(purge);
          await limits.close();
          await store.close();
          log.info({ written: traffic.stats.written, spooled: traffic.stats.spoolFiles }, 'penghubung stopped');
          log.flush?.();
        })();
        return closing;
      },
    };
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
}
