import express, { type Router } from 'express';
import { localDay } from '../../limits/calendar.ts';
import { html } from '../../html/html.ts';
import { reportCsv, reportHtml } from '../../report/render.ts';
import { makeReport } from '../../report/spbe-report.ts';
import { page } from '../layout.ts';
import { page$, type PageDeps } from '../request.ts';

/** The previous calendar month in the region's zone: the usual period of the report. */
function lastMonth(timeZone: string): { first: string; last: string } {
  const today = localDay(new Date(), timeZone).date;
  const firstOfThis = new Date(`${today.slice(0, 8)}01T00:00:00Z`);
  const last = new Date(firstOfThis.getTime() - 86_400_000);
  return { first: `${last.toISOString().slice(0, 8)}01`, last: last.toISOString().slice(0, 10) };
}

/**
 * The periodic SPBE report (issue 25 item 8) as `penghubung report` makes it: HTML shown in the
 * browser to print on A4, or CSV downloaded. The HTML runs no script and loads nothing; its own
 * policy allows its inline style only.
 */
export function reportPages(deps: PageDeps): Router {
  const router = express.Router();
  const timeZone = deps.ctx.config.timezone;
  router.get('/laporan', page$((req, res) => {
    const { view } = req;
    const { t } = view.locale;
    const period = lastMonth(timeZone);
    const body = html`<p>${t('reportLead')}</p>
<form method="get" action="/laporan/berkas" class="filters" data-testid="report-form">
<label>${t('from')}<input type="date" name="dari" required value="${period.first}"></label>
<label>${t('to')}<input type="date" name="sampai" required value="${period.last}"></label>
<label>${t('format')}<select name="format"><option value="html">HTML (A4)</option><option value="csv">CSV</option></select></label>
<div class="actions"><button type="submit">${t('makeReport')}</button></div></form>`;
    res.type('html').send(page(view, t('reportTitle'), body));
    return Promise.resolve();
  }));
  router.get('/laporan/berkas', page$(async (req, res) => {
    const first = typeof req.query.dari === 'string' ? req.query.dari : '';
    const last = typeof req.query.sampai === 'string' ? req.query.sampai : '';
    const report = await makeReport(deps.store, deps.ctx.config, first, last);
    const name = `laporan-spbe-${report.firstDay}-${report.lastDay}`;
    if (req.query.format === 'csv') {
      res.setHeader('content-disposition', `attachment; filename="${name}.csv"`);
      res.type('text/csv; charset=utf-8').send(reportCsv(report));
      return;
    }
    res.setHeader('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
    res.setHeader('content-disposition', `inline; filename="${name}.html"`);
    res.type('html').send(reportHtml(report));
  }));
  return router;
}
