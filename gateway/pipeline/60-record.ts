import type { TrafficRow } from '../traffic/row.ts';
import type { PipelineContext } from './context.ts';
import type { Exchange } from './exchange.ts';

/** Digit runs long enough to be a NIK (16), NIP (18) or phone number are not written to logs. */
export function maskPersonalIds(text: string): string {
  return text.replace(/\d{8,}/g, (digits) => `${'*'.repeat(digits.length - 2)}${digits.slice(-2)}`);
}

/**
 * The traffic-log row of an exchange as it stands. Hashes are read from copies, so the row can be
 * taken early (an async delivery logs its acceptance in its own transaction) and again at the end;
 * both carry the exchange id as `logId`, and the store keeps the first.
 */
export function trafficRowOf(ex: Exchange, status: number, final = false): TrafficRow {
  // The last row of an exchange reads the hashes themselves (a copy costs per request).
  const hex = (hash: Exchange['requestHash']) => (final ? hash : hash.copy()).digest('hex');
  const route = ex.match?.route;
  return {
    logId: ex.id,
    requestId: ex.requestId,
    at: ex.receivedAt.toISOString(),
    listener: ex.listener,
    consumer: ex.consumer?.clientId ?? ex.token?.clientId ?? null,
    contract: route?.contract.id ?? null,
    operation: route?.operation.id ?? null,
    method: ex.method,
    path: ex.pathname,
    status,
    errorCode: ex.problem?.code ?? (status === 499 ? 'CLIENT_CLOSED' : null),
    totalMs: Math.round((performance.now() - ex.startedAt) * 1000) / 1000,
    upstreamMs: ex.upstream.ms === undefined ? null : Math.round(ex.upstream.ms * 1000) / 1000,
    bytesIn: ex.bytesIn,
    bytesOut: ex.reply.bytes,
    requestSha256: ex.bytesIn > 0 ? hex(ex.requestHash) : null,
    responseSha256: ex.reply.bytes > 0 ? hex(ex.reply.hash) : null,
    clientAddress: ex.clientAddress,
    traceId: ex.trace.traceId,
    partner: ex.partner?.id ?? null,
    agreement: ex.agreement?.number ?? null,
    certFingerprint: ex.certificate?.fingerprint ?? null,
  };
}

/** The traffic log row and the access log line of a finished exchange: the response phase's last stage, run once the answer is over. */
export function record(ex: Exchange, ctx: PipelineContext): void {
  const route = ex.match?.route;
  const status = ex.reply.finished ? ex.reply.status : ex.problem?.status ?? 499;
  const row = trafficRowOf(ex, status, true);
  // An accepted delivery's row was written in the outbox's transaction; the store keeps that one.
  if (ex.deliveryId === undefined) ctx.traffic.enqueue(row);
  ctx.metrics?.observe({
    listener: ex.listener,
    contract: route?.contract.id ?? 'none',
    operation: route?.operation.id ?? 'none',
    caller: ex.consumer ? 'consumer' : ex.partner ? 'partner' : ex.listener === 'public' ? 'public' : 'unidentified',
    status,
    errorCode: row.errorCode,
    totalMs: row.totalMs,
    ...(route && ex.upstream.ms !== undefined ? { upstream: { name: route.contract.upstream?.name ?? route.contract.forwarding, ms: ex.upstream.ms } } : {}),
  });
  // Every exchange is in the traffic log; a pino line per exchange costs ~20 µs, so by default
  // only refusals and failures get one (log.exchanges).
  const lines = ctx.config.log.exchanges;
  if (lines === 'none' || (lines === 'errors' && status < 400)) return;
  ctx.log.info({
    reqId: ex.requestId,
    exchangeId: ex.id,
    traceId: row.traceId,
    method: row.method,
    // The route template, not the path: paths carry NIPs and NIKs.
    route: route ? `${route.contract.integration}:${route.operation.id}` : maskPersonalIds(ex.pathname),
    consumer: row.consumer ?? undefined,
    partner: row.partner ?? undefined,
    status,
    code: row.errorCode ?? undefined,
    ms: row.totalMs,
    upstreamMs: row.upstreamMs ?? undefined,
  }, 'exchange');
}
