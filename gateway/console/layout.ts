import type { GatewayConfig } from '../config/schema.ts';
import { html, type Html } from '../html/html.ts';
import type { Locale, TextKey } from './i18n.ts';
import type { Session } from './sessions.ts';

/** What every page is rendered with: the person's locale and session, the region, the current path. */
export interface View {
  locale: Locale;
  session: Session | undefined;
  region: GatewayConfig['region'];
  path: string;
}

const sections: [string, TextKey][] = [
  ['/', 'navHome'], ['/lalu-lintas', 'navTraffic'], ['/layanan', 'navServices'], ['/persetujuan', 'navApprovals'], ['/audit', 'navAudit'], ['/laporan', 'navReport'],
];

/** The form fields every changing request carries: the session's CSRF token. */
export const csrfField = (view: View): Html => html`<input type="hidden" name="_csrf" value="${view.session?.csrf ?? ''}">`;

function header(view: View): Html {
  const { t } = view.locale;
  const session = view.session;
  const other = view.locale.language === 'id' ? 'en' : 'id';
  const current = (href: string) => (href === '/' ? view.path === '/' : view.path.startsWith(href));
  return html`<header class="top">
  <div class="brand"><strong>${view.region.name}</strong><span>${t('appName')}</span></div>
  ${session ? html`<nav aria-label="${t('appName')}"><ul>${sections.map(([href, key]) => html`<li><a href="${href}"${current(href) ? html` aria-current="page"` : ''}>${t(key)}</a></li>`)}</ul></nav>` : ''}
  <div class="who">
    <form method="post" action="/bahasa" class="inline">${csrfField(view)}<input type="hidden" name="bahasa" value="${other}"><input type="hidden" name="kembali" value="${view.path}">
      <button type="submit" lang="${other}" data-testid="switch-language">${t('switchTo')}</button></form>
    ${session ? html`<span class="person">${t('signedInAs')} <strong>${session.person.name}</strong> <small>(${session.person.roles.join(', ')})</small></span>
    <form method="post" action="/keluar" class="inline">${csrfField(view)}<button type="submit">${t('signOut')}</button></form>` : ''}
  </div>
</header>`;
}

/** A whole page: the layout around `body`, in the person's language. */
export function page(view: View, title: string, body: Html, options: { scripts?: string[]; styles?: string[] } = {}): string {
  const { t } = view.locale;
  return `<!doctype html>${html`<html lang="${view.locale.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ${t('appName')}</title>
${(options.styles ?? []).map((href) => html`<link rel="stylesheet" href="${href}">`)}
<link rel="stylesheet" href="/static/console.css">
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
${(options.scripts ?? []).map((src) => html`<script src="${src}" defer></script>`)}
</head>
<body data-language="${view.locale.language}">
<a class="skip" href="#isi">${t('skip')}</a>
${header(view)}
<main id="isi">
<h1>${title}</h1>
${body}
</main>
</body>
</html>`.text}`;
}
