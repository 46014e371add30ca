import type { Response } from 'express';
import { StoreUnavailable } from '../../errors/store-unavailable.ts';
import { html } from '../../html/html.ts';
import { breakerWords, type Locale } from '../i18n.ts';
import type { ConsoleDeps, ConsoleRequest } from '../request.ts';
import { page } from '../layout.ts';
import { currentWarnings, type Warning } from '../warnings.ts';

/** A warning's values in the person's formats: counts as numbers, shares as percentages, days as words. */
function wordsOf(warning: Warning, locale: Locale): string {
  const values: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(warning.values)) {
    if (name === 'state' && value in breakerWords) values[name] = locale.t(breakerWords[value as keyof typeof breakerWords]);
    else if (typeof value !== 'number') values[name] = value;
    else values[name] = name === 'percent' ? locale.percent(value, 0) : locale.number(value);
  }
  if (warning.days !== undefined) values.when = warning.days >= 0 ? locale.t('days', { n: warning.days }) : locale.t('daysAgo', { n: -warning.days });
  return locale.t(warning.key, values);
}

/** The first page: what needs attention now. */
export async function homePage(deps: ConsoleDeps, req: ConsoleRequest, res: Response): Promise<void> {
  const { locale } = req.view;
  const { t } = locale;
  let warnings: Warning[];
  try {
    warnings = await currentWarnings(deps.ctx, deps.store);
  } catch (error) {
    if (!(error instanceof StoreUnavailable)) throw error;
    warnings = [{ level: 'danger', key: 'warnStore', values: {} }];
  }
  const list = warnings.length === 0
    ? html`<p class="ok" data-testid="no-warnings">${t('noWarnings')}</p>`
    : html`<ul class="warnings" data-testid="warnings">${warnings.map((warning) => html`<li class="${warning.level}">${warning.href ? html`<a href="${warning.href}">${wordsOf(warning, locale)}</a>` : wordsOf(warning, locale)}</li>`)}</ul>`;
  res.type('html').send(page(req.view, t('navHome'), html`<section aria-labelledby="peringatan"><h2 id="peringatan">${t('warnings')}</h2>${list}</section>`));
}
