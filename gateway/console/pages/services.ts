import express, { type Router } from 'express';
import { serviceLevels, servicesOf, type ServiceLevel, type ServiceWindow } from '../../traffic/service-levels.ts';
import { html, type Html } from '../../html/html.ts';
import { breakerWords, type Locale, type TextKey } from '../i18n.ts';
import { page } from '../layout.ts';
import { page$, type PageDeps } from '../request.ts';

const windows: Record<ServiceWindow, TextKey> = { hour: 'windowHour', day: 'windowDay', week: 'windowWeek', month: 'windowMonth' };

function verdict(locale: Locale, compliant: boolean | null): Html {
  if (compliant === null) return html`<td>—</td>`;
  return compliant ? html`<td class="met">${locale.t('compliant')}</td>` : html`<td class="breach">${locale.t('breach')}</td>`;
}

function targetText(locale: Locale, level: ServiceLevel): string {
  const target = level.target;
  if (!target) return locale.t('noTarget');
  return [target.availability === undefined ? '' : `≥ ${locale.number(target.availability, 2)}%`, target.latencyP95Ms === undefined ? '' : `p95 ≤ ${locale.number(target.latencyP95Ms)} ms`].filter(Boolean).join(' · ');
}

function row(locale: Locale, level: ServiceLevel, extra: { breaker?: string; parked?: number }): Html {
  const ms = (value: number | null) => (value === null ? '—' : locale.number(value, value < 10 ? 1 : 0));
  return html`<tr data-key="${level.key}">
<th scope="row">${level.key}${level.upstream ? html`<br><small>${level.upstream}</small>` : ''}</th>
<td class="num">${locale.number(level.volume)}</td>
<td class="num">${level.volume === 0 ? '—' : locale.percent(level.errorRate)}</td>
<td class="num">${level.availability === null ? '—' : locale.percent(level.availability, 3)}</td>
<td class="num">${ms(level.latency.p50)}</td><td class="num">${ms(level.latency.p95)}</td><td class="num">${ms(level.latency.p99)}</td>
<td>${targetText(locale, level)}</td>${verdict(locale, level.compliant.availability)}${verdict(locale, level.compliant.latency)}
<td class="num">${locale.number(level.refusals.rateLimited + level.refusals.quotaExceeded)}</td>
<td>${extra.breaker ?? '—'}</td><td class="num">${extra.parked === undefined ? '—' : locale.number(extra.parked)}</td>
</tr>`;
}

function table(locale: Locale, caption: string, levels: readonly ServiceLevel[], extra: (level: ServiceLevel) => { breaker?: string; parked?: number }): Html {
  const { t } = locale;
  return html`<h2>${caption}</h2><div class="scroll"><table class="services" data-testid="services-${caption}">
<thead><tr><th></th><th class="num">${t('volume')}</th><th class="num">${t('errorRate')}</th><th class="num">${t('availability')}</th>
<th class="num">p50 (ms)</th><th class="num">p95 (ms)</th><th class="num">p99 (ms)</th><th>${t('target')}</th><th>${t('availability')}</th><th>p95</th>
<th class="num">${t('refusals')}</th><th>${t('breaker')}</th><th class="num">${t('parked')}</th></tr></thead>
<tbody>${levels.map((level) => row(locale, level, extra(level)))}</tbody></table></div>`;
}

/**
 * Service levels per contract and per upstream over a window a person picks (issue 25 item 3):
 * from the traffic rollups (traffic/service-levels.ts), with breaker states and parked deliveries
 * as they are now, and a uPlot chart per contract with traffic.
 */
export function servicePages(deps: PageDeps): Router {
  const router = express.Router();
  router.get('/layanan', page$(async (req, res) => {
    const { locale } = req.view;
    const { t } = locale;
    const window: ServiceWindow = typeof req.query.rentang === 'string' && req.query.rentang in windows ? req.query.rentang as ServiceWindow : 'day';
    const routing = deps.ctx.registry.current;
    const levels = await serviceLevels(deps.store, { window, ...servicesOf(routing.routes) });
    const breakers = new Map(deps.ctx.breakers.overview(routing.upstreamBreakerSettings()).map((status) => [status.upstream, t(breakerWords[status.state])]));
    const parkedRows = await deps.store.db.selectFrom('deliveries').select((eb) => ['contract', eb.fn.countAll<number>().as('n')]).where('state', '=', 'failed').groupBy('contract').execute();
    const parked = new Map(parkedRows.map((r) => [r.contract, Number(r.n)]));
    const picker = html`<form method="get" action="/layanan" class="filters no-print"><label>${t('window')}<select name="rentang">${Object.entries(windows).map(([value, key]) => html`<option value="${value}"${value === window ? html` selected` : ''}>${t(key)}</option>`)}</select></label>
<div class="actions"><button type="submit">${t('filter')}</button></div></form>`;
    const labels = JSON.stringify({ volume: t('chartVolume'), errors: t('chartErrors'), p95: t('chartP95') });
    const charts = levels.contracts.filter((level) => level.volume > 0).map((level) => html`<figure class="chart-card"><figcaption>${level.key}</figcaption>
<div class="chart" data-series="${JSON.stringify([level.series.at, level.series.volume, level.series.errors, level.series.p95])}" data-labels="${labels}" data-time-zone="${deps.ctx.config.timezone}"></div></figure>`);
    const body = html`${picker}
<p>${locale.dateTime(levels.from)} – ${locale.dateTime(levels.to)}</p>
${table(locale, t('perContract'), levels.contracts, (level) => ({ breaker: level.upstream ? breakers.get(level.upstream) : undefined, parked: parked.get(level.key) ?? 0 }))}
${table(locale, t('perUpstream'), levels.upstreams, (level) => ({ breaker: breakers.get(level.key) }))}
${charts}`;
    res.type('html').send(page(req.view, t('servicesTitle'), body, { scripts: ['/static/uplot/uPlot.iife.min.js', '/static/console.js'], styles: ['/static/uplot/uPlot.min.css'] }));
  }));
  return router;
}
