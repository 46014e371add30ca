import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Breakers } from '../resilience/breakers.ts';
import type { Registry as ContractRegistry } from '../registry/registry.ts';
import type { Store } from '../store/store.ts';
import type { TrafficLog } from '../traffic/traffic-log.ts';

/** What a finished exchange tells the metrics: every label bounded (no request id, no path, no caller id). */
export interface ExchangeObservation {
  listener: string;
  /** The contract and operation routed to; `none` when the exchange was refused before routing. */
  contract: string;
  operation: string;
  /** Who called, as a class: `consumer` (PD application), `partner`, `public`, `unidentified`. */
  caller: string;
  status: number;
  errorCode: string | null;
  totalMs: number;
  /** The upstream called (its name, or the adapter's), with its latency; absent when none was. */
  upstream?: { name: string; ms: number };
}

export interface MetricsSources {
  breakers: Breakers;
  traffic: TrafficLog;
  registry: ContractRegistry;
  store: Store;
}

const statusClass = (status: number) => `${Math.floor(status / 100)}xx`;
const dayMs = 86_400_000;
/** Latency buckets in seconds, from a cached token check to a slow national system. */
const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** The refusals of the limits, by the code they answer with. */
const limitRefusals: Readonly<Record<string, string>> = { RATE_LIMITED: 'rate', QUOTA_EXCEEDED: 'quota', UPSTREAM_BUSY: 'concurrency' };
const breakerStates = { closed: 0, 'half-open': 1, open: 2 } as const;

/**
 * The gateway's Prometheus metrics (`GET /metrics` on the admin listener): counters and latency
 * histograms fed by each finished exchange, and gauges read when Prometheus scrapes (breakers,
 * the traffic log's queue and spool, deliveries by state, days to each certificate's and
 * agreement's expiry). Labels are all bounded by the registry, never by what a caller sends.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly exchanges: Counter;
  private readonly duration: Histogram;
  private readonly upstreamDuration: Histogram;
  private readonly refusals: Counter;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    // prom-client's default process metrics are left out: three of them fail `promtool check metrics`.
    new Gauge({
      name: 'penghubung_process_resident_memory_bytes', help: 'Resident memory of the gateway process.', registers,
      collect() { this.set(process.memoryUsage.rss()); },
    });
    new Gauge({
      name: 'penghubung_process_heap_used_bytes', help: 'V8 heap in use.', registers,
      collect() { this.set(process.memoryUsage().heapUsed); },
    });
    const labelNames = ['listener', 'contract', 'operation', 'caller', 'status_class'] as const;
    this.exchanges = new Counter({ name: 'penghubung_exchanges_total', help: 'Exchanges answered, by contract, operation, caller class and status class.', labelNames, registers });
    this.duration = new Histogram({ name: 'penghubung_exchange_duration_seconds', help: 'Time from arrival to the end of the answer.', labelNames, buckets: latencyBuckets, registers });
    this.upstreamDuration = new Histogram({ name: 'penghubung_upstream_duration_seconds', help: 'Time of the upstream call of an exchange, by upstream and contract.', labelNames: ['upstream', 'contract'], buckets: latencyBuckets, registers });
    this.refusals = new Counter({ name: 'penghubung_limit_refusals_total', help: 'Exchanges refused by a limit: rate, daily quota or upstream concurrency.', labelNames: ['contract', 'limit'], registers });
    new Gauge({
      name: 'penghubung_breaker_state', help: 'Circuit breaker of each upstream in use: 0 closed, 1 half-open, 2 open.', labelNames: ['upstream'], registers,
      collect() {
        this.reset();
        for (const breaker of sources.breakers.snapshot()) this.set({ upstream: breaker.upstream }, breakerStates[breaker.state]);
      },
    });
    new Gauge({
      name: 'penghubung_traffic_log_queue_rows', help: 'Traffic-log rows waiting to be written.', registers,
      collect() { this.set(sources.traffic.stats.queued); },
    });
    new Gauge({
      name: 'penghubung_traffic_log_spool_files', help: 'Traffic-log spool files on disk, waiting for the store.', registers,
      collect() { this.set(sources.traffic.stats.spoolFiles); },
    });
    new Gauge({
      name: 'penghubung_deliveries', help: 'Store-and-forward deliveries by state.', labelNames: ['state'], registers,
      async collect() {
        const rows = await sources.store.db.selectFrom('deliveries').select((eb) => ['state', eb.fn.countAll<number>().as('n')]).groupBy('state').execute();
        this.reset();
        for (const row of rows) this.set({ state: row.state }, Number(row.n));
      },
    });
    new Gauge({
      name: 'penghubung_certificate_expiry_days', help: 'Days until each registered client certificate expires (negative: expired).', labelNames: ['owner_kind', 'owner', 'serial'], registers,
      collect() {
        this.reset();
        for (const certificate of sources.registry.current.partners.certificates.values()) {
          this.set({ owner_kind: certificate.ownerKind, owner: certificate.ownerId, serial: certificate.serial }, (Date.parse(certificate.notAfter) - Date.now()) / dayMs);
        }
      },
    });
    new Gauge({
      name: 'penghubung_agreement_expiry_days', help: 'Days until each cooperation agreement (PKS) ends (negative: ended).', labelNames: ['agreement', 'partner'], registers,
      collect() {
        this.reset();
        for (const agreements of sources.registry.current.partners.agreementsByPartner.values()) {
          for (const agreement of agreements) this.set({ agreement: agreement.number, partner: agreement.partnerId }, (Date.parse(`${agreement.validUntil}T23:59:59Z`) - Date.now()) / dayMs);
        }
      },
    });
  }

  observe(exchange: ExchangeObservation): void {
    const labels = { listener: exchange.listener, contract: exchange.contract, operation: exchange.operation, caller: exchange.caller, status_class: statusClass(exchange.status) };
    this.exchanges.inc(labels);
    this.duration.observe(labels, exchange.totalMs / 1000);
    if (exchange.upstream) this.upstreamDuration.observe({ upstream: exchange.upstream.name, contract: exchange.contract }, exchange.upstream.ms / 1000);
    const limit = exchange.errorCode ? limitRefusals[exchange.errorCode] : undefined;
    if (limit) this.refusals.inc({ contract: exchange.contract, limit });
  }
}
