import { Problem } from '../../errors/problem.ts';
import { html, type Html } from '../../html/html.ts';
import { instantAt } from '../../limits/calendar.ts';
import type { TrafficFilter } from '../../traffic/query.ts';
import type { TrafficRow } from '../../traffic/row.ts';
import type { Locale } from '../i18n.ts';
import type { ConsoleRequest } from '../request.ts';

/** The filter fields of the traffic page, as its form names them. */
export const trafficFields = ['from', 'to', 'caller', 'contract', 'operation', 'status', 'code', 'requestId'] as const;
export type TrafficForm = Partial<Record<(typeof trafficFields)[number] | 'cursor', string>>;

/** `2026-12-07T10:00` on the region's clock (a `datetime-local` field), as an ISO instant; 400 when it is none. */
export function zonedTime(local: string, timeZone: string): string {
  const instant = instantAt(local, timeZone);
  if (!instant) throw new Problem('BAD_REQUEST', `Not a date and time: ${local}`);
  return instant.toISOString();
}

export function formOf(query: ConsoleRequest['query']): TrafficForm {
  const form: TrafficForm = {};
  for (const name of [...trafficFields, 'cursor'] as const) {
    const value = query[name];
    if (typeof value === 'string' && value.trim() !== '') form[name] = value.trim();
  }
  return form;
}

/** The page's form as the traffic log's filter; bad values are a 400 page naming the field. */
export function filterOf(form: TrafficForm, timeZone: string): TrafficFilter {
  const [kind, name] = form.caller?.split(':', 2) ?? [];
  if (form.caller && (!name || (kind !== 'consumer' && kind !== 'partner'))) throw new Problem('BAD_REQUEST', 'caller is consumer:<id> or partner:<id>');
  return {
    ...(form.from ? { from: zonedTime(form.from, timeZone) } : {}),
    ...(form.to ? { to: zonedTime(form.to, timeZone) } : {}),
    ...(kind === 'consumer' ? { consumer: name } : kind === 'partner' ? { partner: name } : {}),
    ...(form.contract ? { contract: form.contract } : {}),
    ...(form.operation ? { operation: form.operation } : {}),
    ...(form.status ? { status: form.status } : {}),
    ...(form.code ? { code: form.code } : {}),
    ...(form.requestId ? { requestId: form.requestId } : {}),
    ...(form.cursor ? { cursor: form.cursor } : {}),
    limit: '50',
  };
}

const statusClassOf = (status: number) => (status >= 500 ? 'danger' : status >= 400 ? 'warning' : 'ok');

/** One row of the table: also what the live tail renders in the browser (console.js keeps the same cells). */
export function trafficRow(row: TrafficRow, locale: Locale): Html {
  return html`<tr data-log-id="${row.logId}">
<td><a href="/lalu-lintas/${row.logId}">${locale.dateTime(row.at)}</a></td>
<td>${row.partner ? html`<span class="tag">${locale.t('partner')}</span> ${row.partner}` : row.consumer ?? '—'}</td>
<td>${row.contract ?? '—'}</td><td>${row.operation ?? '—'}</td>
<td><span class="status ${statusClassOf(row.status)}">${row.status}</span></td>
<td>${row.errorCode ?? ''}</td>
<td class="num">${locale.number(row.totalMs, 1)} ms</td>
</tr>`;
}

