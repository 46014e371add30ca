import type { Request, Response } from 'express';
import { newestSeq, trafficSince } from '../../traffic/query.ts';
import type { ConsoleRequest, PageDeps } from '../request.ts';
import { filterOf, formOf, trafficRow } from './traffic-filter.ts';

/** Open streams, all sessions together: each polls the store, so their number is bounded. */
const maxStreams = 100;
let openStreams = 0;

/**
 * `GET /lalu-lintas/aliran`: Server-Sent Events with each exchange logged from now on that
 * matches the page's filters, rendered as the table row the page shows. Read from the store (by
 * sequence number), not from this instance's memory, so every instance's exchanges appear; the
 * traffic log writes in batches, so a row shows within a second or two of its answer.
 */
export function liveTail(deps: PageDeps, pollMs = 1000) {
  return (request: Request, res: Response): void => {
    const req = request as ConsoleRequest;
    let filter;
    try {
      const { cursor: _cursor, ...form } = formOf(req.query);
      filter = filterOf(form, deps.ctx.config.timezone);
    } catch {
      res.status(400).end();
      return;
    }
    if (openStreams >= maxStreams) {
      res.status(503).setHeader('retry-after', '10').end();
      return;
    }
    openStreams += 1;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    res.write('retry: 3000\n\n');
    const session = req.session!;
    let after: number | undefined;
    let busy = false;
    let quietTicks = 0;
    const tick = async () => {
      if (busy) return;
      busy = true;
      try {
        // Signed out (or timed out) elsewhere: the stream ends with the session.
        if (!deps.sessions.isOpen(session)) return void res.end();
        after ??= await newestSeq(deps.store);
        const rows = await trafficSince(deps.store, filter, after);
        for (const { seq, row } of rows) {
          res.write(`event: exchange\nid: ${seq}\ndata: ${JSON.stringify({ logId: row.logId, html: trafficRow(row, req.view.locale).text })}\n\n`);
          after = seq;
        }
        // A comment now and then keeps proxies from closing a quiet stream.
        if (rows.length === 0 && ++quietTicks % 15 === 0) res.write(': masih di sini\n\n');
      } catch (error) {
        deps.ctx.log.warn({ err: (error as Error).message }, 'live tail: store read failed; retrying');
      } finally {
        busy = false;
      }
    };
    void tick();
    const timer = setInterval(() => void tick(), pollMs);
    req.on('close', () => {
      clearInterval(timer);
      openStreams -= 1;
    });
  };
}
