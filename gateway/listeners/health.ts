import type { ServerResponse } from 'node:http';
import type { Registry } from '../registry/registry.ts';
import type { Store } from '../store/store.ts';
import type { TokenVerifier } from '../sso/token-verifier.ts';
import type { TrafficLog } from '../traffic/traffic-log.ts';
import type { Limits } from '../limits/limits.ts';
import type { HealthChecks } from '../resilience/index.ts';
import { sendJson } from './json.ts';

export interface ReadinessCheck { ok: boolean; detail?: string }

/**
 * `/healthz`: the process answers. `/readyz`: it can serve exchanges: SSO keys loaded, store
 * reachable, routing table loaded. A store outage is reported but traffic still flows (the
 * traffic log spools), so load balancers may choose to keep the instance; an instance that
 * cannot record exchanges at all (store and spool both failing) is not ready.
 */
export class Health {
  private readonly store: Store;
  private readonly verifier: TokenVerifier;
  private readonly registry: Registry;
  private readonly traffic: TrafficLog;
  private readonly limits: Limits | null;
  private draining = false;

  private readonly upstreams: HealthChecks | null;

  constructor(store: Store, verifier: TokenVerifier, registry: Registry, traffic: TrafficLog, limits: Limits | null = null, upstreams: HealthChecks | null = null) {
    this.limits = limits;
    this.upstreams = upstreams;
    this.store = store;
    this.verifier = verifier;
    this.registry = registry;
    this.traffic = traffic;
  }

  setDraining(): void {
    this.draining = true;
  }

  async checks(): Promise<Record<string, ReadinessCheck>> {
    const store: ReadinessCheck = await Promise.race([
      this.store.query('select 1').then(() => ({ ok: true }), (error: Error) => ({ ok: false, detail: error.message })),
      new Promise<ReadinessCheck>((resolve) => setTimeout(() => resolve({ ok: false, detail: 'timeout' }), 1000).unref()),
    ]);
    return {
      sso: this.verifier.ready ? { ok: true } : { ok: false, detail: 'SSO signing keys not loaded yet' },
      store,
      registry: { ok: true, detail: `revision ${this.registry.current.revision}, ${this.registry.current.routes.length} routes` },
      // Not ok only while exchanges are refused: a store outage alone is absorbed by the spool.
      trafficLog: { ok: this.traffic.accepting, detail: this.traffic.describe() },
      // Redis down is not unready: limits carry on in memory (the insurance limiter).
      ...(this.limits ? { limits: { ok: true, detail: this.limits.backend() } } : {}),
      // An upstream down is detail, not unreadiness: this instance's other routes still work.
      ...(this.upstreams ? { upstreams: this.upstreams.readiness() } : {}),
      draining: { ok: !this.draining },
    };
  }

  async respond(path: string, res: ServerResponse): Promise<void> {
    let status = 200;
    let body: unknown = { status: 'ok' };
    if (path === '/readyz') {
      const checks = await this.checks();
      const ready = checks.sso!.ok && checks.draining!.ok && checks.trafficLog!.ok;
      status = ready ? 200 : 503;
      body = { status: ready ? 'ready' : 'not-ready', checks };
    }
    sendJson(res, status, body);
  }
}
