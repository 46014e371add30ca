import express, { type NextFunction, type Request, type Response } from 'express';
import { recordAudit } from '../audit/audit.ts';
import { queryAudit } from '../audit/query.ts';
import { Problem, asProblem, sendProblem } from '../errors/problem.ts';
import type { PipelineContext } from '../pipeline/context.ts';
import { exportBackup } from '../registry/backup.ts';
import type { Store } from '../store/store.ts';
import { queryTraffic, type TrafficFilter } from '../traffic/query.ts';
import { requestIdOf } from '../pipeline/exchange.ts';
import { hasOneHost, oneHostOnly } from './exchange-listener.ts';
import type { Health } from './health.ts';
import { jwksPath, sendJwks } from './jwks.ts';
import { contractAdminRouter } from './admin-contracts.ts';
import { consumerAdminRouter } from './admin-consumers.ts';
import { partnerAdminRouter, type PartnerAdminDeps } from './admin-partners.ts';
import { bodyProblem } from './admin-bodies.ts';
import { adminDocsRouter } from './admin-openapi/index.ts';
import { consoleRouter } from '../console/index.ts';
import { auditSourceOf, editRoles, opsActionRoles, readRoles, requireRole, type AdminRequest } from './admin-roles.ts';
import { displayCallbackUrl } from '../delivery/callbacks.ts';
import { opsActionStates, type Delivery, type DeliveryState, type OpsAction } from '../delivery/outbox.ts';

/** Why an ops action was not done: no such delivery (404), or its state does not allow it (409). */
function refusal(action: OpsAction, id: string, state: DeliveryState | null): Problem {
  if (state === null) return new Problem('DELIVERY_NOT_FOUND', `No delivery ${id}.`);
  const allowed = opsActionStates[action];
  const needs = `${action === 'retry' ? 'a retry' : 'cancelling'} needs the state ${allowed.join(' or ')}`;
  return new Problem('DELIVERY_STATE_CONFLICT', `Delivery ${id} cannot be ${action === 'retry' ? 'retried' : 'cancelled'}: ${needs}, and it is ${state}${stateHints[state]}. Nothing was changed.`, { state, allowedStates: allowed });
}

const stateHints: Record<DeliveryState, string> = {
  pending: ' (it goes out by itself)',
  delivering: ' (being sent right now)',
  delivered: ' (already delivered)',
  failed: '',
  cancelled: ' (already cancelled)',
};

/**
 * A filter from the query string: each of `names` given at most once (empty: not given). Other
 * parameters are ignored, as they always were on the traffic log.
 */
function filterOf<K extends string>(query: Request['query'], names: readonly K[]): Partial<Record<K, string>> {
  const filter: Partial<Record<K, string>> = {};
  for (const name of names) {
    const value = query[name];
    if (typeof value === 'string' && value !== '') filter[name] = value;
    else if (value !== undefined && typeof value !== 'string') throw new Problem('BAD_REQUEST', `Query parameter ${name} must be given once.`);
  }
  return filter;
}

const trafficFilters = ['from', 'to', 'consumer', 'partner', 'agreement', 'contract', 'operation', 'listener', 'status', 'code', 'requestId', 'exchangeId', 'limit', 'cursor'] as const;
const auditFilters = ['from', 'to', 'actor', 'action', 'objectType', 'objectId', 'requestId', 'limit', 'cursor'] as const;

/** The Dinas' admin API (loopback by default): traffic log, audit trail, partners and agreements, certificates, deliveries. */
export function createAdminApp(ctx: PipelineContext, store: Store, health: Health, tls: PartnerAdminDeps['tls'] = { internal: null, external: null }): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use((req: AdminRequest, res, next) => {
    req.requestId = requestIdOf(req);
    res.setHeader('x-request-id', req.requestId);
    next(hasOneHost(req) ? undefined : oneHostOnly());
  });
  app.get(['/healthz', '/readyz'], (req, res) => void health.respond(req.path, res, { detail: true }));
  app.get(jwksPath, (_req, res, next) => (ctx.keys ? sendJwks(res, ctx.keys) : next(new Problem('NOT_FOUND', 'This gateway has no signing keys.'))));
  // Prometheus scrapes without a token: the admin listener is on loopback or the management
  // network, and no metric carries a caller's identity, a path or a request id.
  app.get('/metrics', (_req, res, next) => {
    const metrics = ctx.metrics;
    if (!metrics) return next(new Problem('NOT_FOUND', 'This gateway keeps no metrics.'));
    metrics.registry.metrics().then((text) => res.type(metrics.registry.contentType).set('cache-control', 'no-store').send(text), next);
  });

  // The traffic log holds personal data (paths with NIKs, who called whom): who searched it, for
  // what, is audited. The row is written before the page is sent, so no page leaves unrecorded.
  app.get('/admin/v1/traffic', requireRole(ctx, readRoles), async (req: AdminRequest, res, next) => {
    try {
      const filter: TrafficFilter = filterOf(req.query, trafficFilters);
      const page = await queryTraffic(store, filter);
      const read = { ...auditSourceOf(req), action: 'traffic.read', objectType: 'traffic-log', objectId: '*', before: null, after: { filter, rows: page.items.length } };
      await store.transaction((tx) => recordAudit(tx, read));
      res.json(page);
    } catch (error) {
      next(error);
    }
  });

  app.get('/admin/v1/audit', requireRole(ctx, readRoles), async (req: AdminRequest, res, next) => {
    try {
      res.json(await queryAudit(store, filterOf(req.query, auditFilters)));
    } catch (error) {
      next(error);
    }
  });

  // Circuit state and retry budget of every upstream an active contract uses. Reading makes no
  // breaker: one made here would keep today's settings past a contract change made before first use.
  app.get('/admin/v1/upstreams', requireRole(ctx, readRoles), (_req: AdminRequest, res) => {
    res.json({ items: ctx.breakers.overview(ctx.registry.current.upstreamBreakerSettings()) });
  });

  // The registry, the adapters' documents and the audit trail, as `penghubung backup` writes them: how a single
  // server on the embedded store (which the CLI cannot open while it runs) is backed up.
  app.get('/admin/v1/backup', requireRole(ctx, editRoles), async (_req: AdminRequest, res, next) => {
    try {
      const backup = await exportBackup(store);
      res.setHeader('content-disposition', `attachment; filename="penghubung-backup-${backup.createdAt.slice(0, 19).replace(/:/g, '')}.json"`);
      res.setHeader('cache-control', 'no-store');
      res.json(backup);
    } catch (error) {
      next(error);
    }
  });

  // Store-and-forward: what is pending, delivered or parked; ops retry or cancel parked ones.
  const outbox = ctx.deliveries.outbox;
  // The callback URL's query string may hold the caller's own secret: ops see origin and path only.
  const forOps = (delivery: Delivery | null) => (delivery?.callback ? { ...delivery, callback: { ...delivery.callback, url: displayCallbackUrl(delivery.callback.url) } } : delivery);
  app.get('/admin/v1/deliveries', requireRole(ctx, readRoles), async (req: AdminRequest, res, next) => {
    try {
      const state = req.query.state;
      const states = ['pending', 'delivering', 'delivered', 'failed', 'cancelled'];
      if (state !== undefined && (typeof state !== 'string' || !states.includes(state))) throw new Problem('BAD_REQUEST', `state is one of ${states.join(', ')}.`);
      const limit = Math.min(500, Math.max(1, Number(req.query.limit ?? 100) || 100));
      res.json({ items: (await outbox.list(state as Parameters<typeof outbox.list>[0], limit)).map(forOps) });
    } catch (error) {
      next(error);
    }
  });
  app.get('/admin/v1/deliveries/:id', requireRole(ctx, readRoles), async (req: AdminRequest, res, next) => {
    try {
      const delivery = await outbox.get(String(req.params.id));
      if (!delivery) throw new Problem('DELIVERY_NOT_FOUND', `No delivery ${String(req.params.id)}.`);
      res.json(forOps(delivery));
    } catch (error) {
      next(error);
    }
  });
  for (const action of ['retry', 'cancel'] as const) {
    app.post(`/admin/v1/deliveries/:id/${action}`, requireRole(ctx, opsActionRoles), async (req: AdminRequest, res, next) => {
      try {
        const id = String(req.params.id);
        const outcome = action === 'retry' ? await outbox.retry(id, auditSourceOf(req)) : await outbox.cancel(id, auditSourceOf(req));
        if (!outcome.done) throw refusal(action, id, outcome.state);
        // A retry goes out now; a cancelled delivery's callback (if any) is sent now.
        if (action === 'retry') void ctx.deliveries.worker.tick();
        else void ctx.deliveries.worker.callbacks.tick();
        res.json(forOps(await outbox.get(id)));
      } catch (error) {
        next(error);
      }
    });
  }

  app.use(partnerAdminRouter({ store, registry: ctx.registry, tls, upstreams: ctx.config.upstreams, read: requireRole(ctx, readRoles), write: requireRole(ctx, editRoles) }));
  app.use(contractAdminRouter(ctx, store));
  app.use(consumerAdminRouter(ctx, store));
  app.use(adminDocsRouter(ctx));
  // The ops console has every path the admin API leaves free (pages people read, in HTML).
  const opsConsole = consoleRouter({ ctx, store });
  app.use((req, res, next) => (req.path.startsWith('/admin/') ? next() : opsConsole(req, res, next)));

  app.use((req: AdminRequest, _res, next) => next(new Problem('NOT_FOUND', `The admin API has no ${req.method} ${req.path}.`)));
  // Express recognises an error handler by its four parameters.
  app.use((error: unknown, req: AdminRequest, res: Response, _next: NextFunction) => {
    const problem = bodyProblem(error) ?? asProblem(error);
    if (problem.code === 'INTERNAL_ERROR') ctx.log.error({ reqId: req.requestId, err: error }, 'admin API fault');
    sendProblem(res, problem, req.requestId ?? '');
  });
  return app;
}
