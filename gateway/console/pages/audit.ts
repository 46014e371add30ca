import express, { type Router } from 'express';
import { queryAudit, type AuditFilter } from '../../audit/query.ts';
import { html, queryString } from '../../html/html.ts';
import { page } from '../layout.ts';
import { page$, type PageDeps } from '../request.ts';
import { zonedTime } from './traffic-filter.ts';

const fields = ['from', 'to', 'actor', 'action', 'objectType', 'objectId', 'cursor'] as const;

const json = (value: unknown) => (value === null || value === undefined ? '—' : JSON.stringify(value, null, 2));

/** The audit trail (issue 25 item 6): who changed what and when, with the object before and after. */
export function auditPages(deps: PageDeps): Router {
  const router = express.Router();
  router.get('/audit', page$(async (req, res) => {
    const { locale } = req.view;
    const { t } = locale;
    const form: Partial<Record<(typeof fields)[number], string>> = {};
    for (const name of fields) {
      const value = req.query[name];
      if (typeof value === 'string' && value.trim() !== '') form[name] = value.trim();
    }
    const timeZone = deps.ctx.config.timezone;
    const filter: AuditFilter = {
      ...form,
      ...(form.from ? { from: zonedTime(form.from, timeZone) } : {}),
      ...(form.to ? { to: zonedTime(form.to, timeZone) } : {}),
      limit: '50',
    };
    const result = await queryAudit(deps.store, filter);
    const { cursor: _cursor, ...filters } = form;
    const rows = result.items.length === 0 ? html`<tr><td colspan="5">${t('noAudit')}</td></tr>` : result.items.map((entry) => html`<tr data-testid="audit-row">
<td>${locale.dateTime(entry.at)}</td>
<td>${entry.actor.subject}<br><small>${entry.actor.clientId} · ${entry.actor.roles.join(', ')}</small></td>
<td><code>${entry.action}</code></td>
<td>${entry.objectType}<br><small><code>${entry.objectId}</code></small></td>
<td><details><summary>${t('before')} / ${t('after')}</summary><div class="before-after"><div><h4>${t('before')}</h4><pre>${json(entry.before)}</pre></div><div><h4>${t('after')}</h4><pre>${json(entry.after)}</pre></div></div></details></td>
</tr>`);
    const input = (name: (typeof fields)[number], label: string, type = 'text') => html`<label>${label}<input type="${type}" name="${name}" value="${form[name] ?? ''}" maxlength="200"></label>`;
    const body = html`<form method="get" action="/audit" class="filters">
${input('from', t('from'), 'datetime-local')}${input('to', t('to'), 'datetime-local')}${input('actor', t('actor'))}${input('action', t('action'))}${input('objectType', t('object'))}
<div class="actions"><button type="submit">${t('filter')}</button> <a href="/audit">${t('reset')}</a></div></form>
<div class="scroll"><table data-testid="audit-table"><thead><tr><th>${t('time')}</th><th>${t('actor')}</th><th>${t('action')}</th><th>${t('object')}</th><th>${t('before')} / ${t('after')}</th></tr></thead><tbody>${rows}</tbody></table></div>
<p class="paging">${result.nextCursor ? html`<a class="button" href="/audit${queryString({ ...filters, cursor: result.nextCursor })}">${t('nextPage')}</a>` : ''}</p>`;
    res.type('html').send(page(req.view, t('auditTitle'), body));
  }));
  return router;
}
