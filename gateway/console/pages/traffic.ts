import express, { type Router } from 'express';
import { problemCatalogue } from '../../errors/catalogue.ts';
import { recordAudit } from '../../audit/audit.ts';
import { queryTraffic } from '../../traffic/query.ts';
import { html, queryString, type Html } from '../../html/html.ts';
import { page$, PageError, type PageDeps, type ConsoleRequest } from '../request.ts';
import { page } from '../layout.ts';
import { personSource } from './person.ts';
import { liveTail } from './tail.ts';
import { filterOf, formOf, trafficRow, type TrafficForm } from './traffic-filter.ts';

function select(name: string, label: string, options: readonly (readonly [string, string])[], chosen: string | undefined, any: string): Html {
  return html`<label>${label}<select name="${name}"><option value="">${any}</option>${options.map(([value, text]) => html`<option value="${value}"${value === chosen ? html` selected` : ''}>${text}</option>`)}</select></label>`;
}

function filterForm(deps: PageDeps, req: ConsoleRequest, form: TrafficForm): Html {
  const { t } = req.view.locale;
  const table = deps.ctx.registry.current;
  const callers = [
    ...[...table.consumers.keys()].sort().map((id) => [`consumer:${id}`, id] as const),
    ...[...table.partners.partners.values()].map((partner) => [`partner:${partner.id}`, `${partner.legalName} (${partner.id})`] as const),
  ];
  const contracts = [...new Set(table.routes.map((route) => route.contract.id))].sort().map((id) => [id, id] as const);
  const operations = [...new Set(table.routes.map((route) => route.operation.id))].sort().map((id) => [id, id] as const);
  const codes = Object.keys(problemCatalogue).sort().map((code) => [code, code] as const);
  const statuses = ['2xx', '3xx', '4xx', '5xx'].map((klass) => [klass, klass] as const);
  return html`<form method="get" action="/lalu-lintas" class="filters" data-testid="traffic-filters">
<label>${t('from')}<input type="datetime-local" name="from" value="${form.from ?? ''}"></label>
<label>${t('to')}<input type="datetime-local" name="to" value="${form.to ?? ''}"></label>
${select('caller', t('caller'), callers, form.caller, t('any'))}
${select('contract', t('contract'), contracts, form.contract, t('any'))}
${select('operation', t('operation'), operations, form.operation, t('any'))}
${select('status', t('statusClass'), statuses, form.status, t('any'))}
${select('code', t('errorCode'), codes, form.code, t('any'))}
<label>${t('requestId')}<input name="requestId" value="${form.requestId ?? ''}" maxlength="200"></label>
<div class="actions"><button type="submit">${t('filter')}</button> <a href="/lalu-lintas">${t('reset')}</a></div>
</form>`;
}

/** The traffic log pages: the filtered list newest first, an exchange's detail, the live tail's stream. */
export function trafficPages(deps: PageDeps): Router {
  const router = express.Router();
  const timeZone = deps.ctx.config.timezone;

  router.get('/lalu-lintas', page$(async (req, res) => {
    const { locale } = req.view;
    const { t } = locale;
    const form = formOf(req.query);
    const filter = filterOf(form, timeZone);
    const result = await queryTraffic(deps.store, filter);
    // Searching the log is reading personal data: audited as the admin API's search is.
    const { cursor: _cursor, limit: _limit, ...searched } = filter;
    await deps.store.transaction((tx) => recordAudit(tx, { ...personSource(req), action: 'traffic.read', objectType: 'traffic-log', objectId: '*', before: null, after: { filter: searched, rows: result.items.length, via: 'console' } }));
    const { cursor: _page, ...filters } = form;
    const next = result.nextCursor ? html`<a class="button" href="/lalu-lintas${queryString({ ...filters, cursor: result.nextCursor })}" data-testid="next-page">${t('nextPage')}</a>` : '';
    const rows = result.items.length === 0
      ? html`<tr><td colspan="7">${t('noRows')}</td></tr>`
      : result.items.map((row) => trafficRow(row, locale));
    const head = html`<thead><tr><th>${t('time')}</th><th>${t('caller')}</th><th>${t('contract')}</th><th>${t('operation')}</th><th>${t('status')}</th><th>${t('errorCode')}</th><th>${t('duration')}</th></tr></thead>`;
    const body = html`${filterForm(deps, req, form)}
<section class="tail" aria-labelledby="langsung" data-stream="/lalu-lintas/aliran${queryString(filters)}" data-testid="live-tail">
  <h2 id="langsung">${t('liveTail')} <span class="tail-state" data-testid="tail-state" data-connecting="${t('liveConnecting')}" data-on="${t('liveOn')}" data-paused="${t('livePaused')}">${t('liveConnecting')}</span></h2>
  <p class="hint">${t('liveHint')}</p>
  <button type="button" class="tail-toggle" data-pause="${t('pause')}" data-resume="${t('resume')}" data-testid="tail-toggle">${t('pause')}</button>
  <div class="scroll"><table class="traffic">${head}<tbody class="tail-rows" data-testid="tail-rows"></tbody></table></div>
</section>
<section aria-labelledby="daftar"><h2 id="daftar">${t('trafficTitle')}</h2>
<div class="scroll"><table class="traffic" data-testid="traffic-table">${head}<tbody>${rows}</tbody></table></div>
<p class="paging">${form.cursor ? html`<a href="/lalu-lintas${queryString(filters)}">${t('firstPage')}</a> ` : ''}${next}</p></section>`;
    res.type('html').send(page(req.view, t('trafficTitle'), body, { scripts: ['/static/console.js'] }));
  }));

  router.get('/lalu-lintas/aliran', liveTail(deps));

  router.get('/lalu-lintas/:logId', page$(async (req, res) => {
    const { locale } = req.view;
    const { t } = locale;
    const logId = String(req.params.logId);
    if (!/^[0-9a-f-]{36}$/i.test(logId)) throw new PageError(404, 'notFound');
    const row = (await queryTraffic(deps.store, { exchangeId: logId, limit: '1' })).items[0];
    if (!row) throw new PageError(404, 'notFound');
    await deps.store.transaction((tx) => recordAudit(tx, { ...personSource(req), action: 'traffic.read', objectType: 'traffic-log', objectId: logId, before: null, after: { via: 'console' } }));
    const entry = (label: string, value: Html | string | number | null | undefined) => html`<dt>${label}</dt><dd>${value ?? '—'}</dd>`;
    const ms = (value: number | null) => (value === null ? '—' : `${locale.number(value, 2)} ms`);
    const own = row.upstreamMs === null ? row.totalMs : row.totalMs - row.upstreamMs;
    const body = html`<p><a href="/lalu-lintas">← ${t('back')}</a></p>
<div class="detail" data-testid="exchange-detail">
<section><h2>${t('detailTitle')}</h2><dl>
${entry(t('exchangeId'), html`<code>${row.logId}</code>`)}${entry(t('requestId'), html`<code>${row.requestId}</code>`)}
${entry(t('time'), locale.dateTime(row.at))}${entry(t('listener'), row.listener)}
${entry(t('method'), row.method)}${entry(t('path'), html`<code>${row.path}</code>`)}
${entry(t('status'), String(row.status))}${entry(t('errorCode'), row.errorCode)}
${entry(t('consumer'), row.consumer)}${entry(t('contract'), row.contract)}${entry(t('operation'), row.operation)}
${entry(t('clientAddress'), row.clientAddress)}${entry(t('traceId'), row.traceId)}
</dl></section>
<section><h2>${t('timings')}</h2><dl>${entry(t('totalMs'), ms(row.totalMs))}${entry(t('upstreamMs'), ms(row.upstreamMs))}${entry(t('gatewayMs'), ms(own))}</dl>
<h2>${t('sizes')}</h2><dl>${entry(t('bytesIn'), `${locale.number(row.bytesIn)} B`)}${entry(t('bytesOut'), `${locale.number(row.bytesOut)} B`)}</dl>
<h2>${t('hashes')}</h2><dl>${entry(t('requestHash'), row.requestSha256 ? html`<code>${row.requestSha256}</code>` : null)}${entry(t('responseHash'), row.responseSha256 ? html`<code>${row.responseSha256}</code>` : null)}</dl></section>
<section><h2>${t('partner')}</h2><dl>${entry(t('partner'), row.partner)}${entry(t('agreement'), row.agreement)}${entry(t('certificate'), row.certFingerprint ? html`<code>${row.certFingerprint}</code>` : null)}</dl>
<h2>${t('receipt')}</h2><p>${t('noReceipt')}</p></section>
</div>`;
    res.type('html').send(page(req.view, t('detailTitle'), body));
  }));
  return router;
}
