import type { ServerResponse } from 'node:http';
import { sql } from 'kysely';
import type { Registry } from '../registry/registry.ts';
import type { Store } from '../store/store.ts';
import type { TokenVerifier } from '../sso/token-verifier.ts';
import type { TrafficLog } from '../traffic/traffic-log.ts';
import type { Limits } from '../limits/limits.ts';
import type { HealthChecks } from '../upstream/health-checks.ts';
import { sendJson } from './json.ts';

export interface ReadinessCheck { ok: boolean; detail?: string }

/** What `/readyz` looks at. */
export interface HealthSources {
  store: Store;
  verifier: TokenVerifier;
  registry: Registry;
  traffic: TrafficLog;
  limits?: Limits;
  upstreams?: HealthChecks;
  /** Writes held until the store is back (delivery outcomes, idempotency answers), by kind. */
  heldWrites?: () => Record<string, number>;
}

/**
 * `/healthz`: the process answers. `/readyz`: it can serve exchanges: SSO keys loaded, store
 * reachable, routing table loaded. A store outage is reported but traffic still flows (the
 * traffic log spools), so load balancers may choose to keep the instance; an instance that
 * cannot record exchanges at all (store and spool both failing) is not ready.
 */
export class Health {
  private readonly sources: HealthSources;
  private draining = false;

  constructor(sources: HealthSources) {
    this.sources = sources;
  }

  setDraining(): void {
    this.draining = true;
  }

  async checks(): Promise<Record<string, ReadinessCheck>> {
    const { verifier, registry, traffic, limits, upstreams, heldWrites } = this.sources;
    const store: ReadinessCheck = await Promise.race([
      sql`select 1`.execute(this.sources.store.db).then(() => ({ ok: true }), (error: Error) => ({ ok: false, detail: error.message })),
      new Promise<ReadinessCheck>((resolve) => setTimeout(() => resolve({ ok: false, detail: 'timeout' }), 1000).unref()),
    ]);
    return {
      sso: verifier.ready ? { ok: true } : { ok: false, detail: 'SSO signing keys not loaded yet' },
      store,
      registry: { ok: true, detail: `revision ${registry.current.revision}, ${registry.current.routes.length} routes` },
      // Not ok only while exchanges are refused: a store outage alone is absorbed by the spool.
      trafficLog: { ok: traffic.accepting, detail: traffic.describe() },
      // Held writes wait for the store on their own: detail for ops, not unreadiness.
      ...(heldWrites ? { heldWrites: { ok: true, detail: describeHeld(heldWrites()) } } : {}),
      // Redis down is not unready: limits carry on in memory (the insurance limiter).
      ...(limits ? { limits: { ok: true, detail: limits.backend() } } : {}),
      // An upstream down is detail, not unreadiness: this instance's other routes still work.
      ...(upstreams ? { upstreams: upstreams.readiness() } : {}),
      draining: { ok: !this.draining },
    };
  }

  /**
   * `detail`: the checks behind `/readyz` (registry revision, queues, limiter backend, upstreams)
   * are for the Dinas, so only the admin listener gives them; elsewhere `/readyz` is a bare status.
   */
  async respond(path: string, res: ServerResponse, { detail }: { detail: boolean }): Promise<void> {
    let status = 200;
    let body: unknown = { status: 'ok' };
    if (path === '/readyz') {
      const checks = await this.checks();
      const ready = checks.sso!.ok && checks.draining!.ok && checks.trafficLog!.ok;
      status = ready ? 200 : 503;
      body = { status: ready ? 'ready' : 'not-ready', ...(detail ? { checks } : {}) };
    }
    sendJson(res, status, body);
  }
}

function describeHeld(held: Record<string, number>): string {
  return `${Object.entries(held).map(([kind, count]) => `${count} ${kind}`).join(', ')} waiting for the store`;
}
