import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/schema.ts';
import type { Registry } from '../registry/registry.ts';
import type { TokenVerifier } from '../sso/token-verifier.ts';
import type { TrafficLog } from '../traffic/traffic-log.ts';
import type { TrafficRollup } from '../traffic/rollup.ts';
import type { RevocationIndex } from '../partners/client-certificate.ts';
import type { AdapterHost } from '../adapter-host/adapter-host.ts';
import type { Breakers } from '../resilience/index.ts';
import type { Limits } from '../limits/limits.ts';
import type { IdempotencyStore } from '../idempotency/store.ts';
import type { Outbox } from '../delivery/outbox.ts';
import type { DeliveryWorker } from '../delivery/worker.ts';
import type { Store } from '../store/store.ts';
import type { GatewayMetrics } from '../metrics/metrics.ts';
import type { SigningKeys } from '../integrity/keys.ts';
import type { Forwarder } from './forwarder.ts';

/** The services stages use; built once per gateway, shared by every exchange. */
export interface PipelineContext {
  config: GatewayConfig;
  log: Logger;
  verifier: TokenVerifier;
  registry: Registry;
  forwarder: Forwarder;
  adapters: AdapterHost;
  /** One circuit breaker (and retry budget) per upstream. */
  breakers: Breakers;
  /** Rates, daily quotas and concurrency caps (in memory, or shared through Redis). */
  limits: Limits;
  /** Idempotency keys and the answers kept for replay. */
  idempotency: IdempotencyStore;
  /** Store-and-forward: the outbox and its worker. */
  deliveries: { outbox: Outbox; worker: DeliveryWorker };
  store: Store;
  /** Revoked client certificates, from the CRLs of the trusted CAs. */
  revocations: RevocationIndex;
  traffic: TrafficLog;
  /** The traffic rollups (services view, reports); absent where no gateway runs them (tests' contexts). */
  rollup?: TrafficRollup;
  /** Prometheus metrics (`GET /metrics` on the admin listener); fed by `record`. */
  metrics?: GatewayMetrics;
  /** The signing keys: receipts (`receipt`), `GET /.well-known/jwks.json` on every listener; absent in tests' contexts. */
  keys?: SigningKeys;
}
