import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { stringifySetCookie } from 'cookie';
import { Problem } from '../errors/problem.ts';
import { StoreUnavailable } from '../errors/store-unavailable.ts';
import { readRoles } from '../sso/roles.ts';
import { Credentials } from '../upstream/credentials.ts';
import { html } from '../html/html.ts';
import { isLanguage, localeOf, type Language } from './i18n.ts';
import { page } from './layout.ts';
import { appendCookie, cookiesOf, csrfMatches, Sessions } from './sessions.ts';
import { SignIn } from './sign-in.ts';
import { localPath, page$, PageError, type ConsoleDeps, type ConsoleRequest, type PageDeps } from './request.ts';
import { approvalPages } from './pages/approvals.ts';
import { auditPages } from './pages/audit.ts';
import { homePage } from './pages/home.ts';
import { reportPages } from './pages/report.ts';
import { servicePages } from './pages/services.ts';
import { trafficPages } from './pages/traffic.ts';



const languageCookie = 'penghubung-bahasa';
const staticDir = join(dirname(fileURLToPath(import.meta.url)), 'static');
const uplotDir = join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');
const isLoopback = (host: string) => ['127.0.0.1', '::1', 'localhost'].includes(host) || host.startsWith('127.');



/**
 * The ops console on the admin listener (docs/console.md): server-rendered pages in Bahasa
 * Indonesia or English, signed in to through the SSO. Every page needs a session with one of the
 * read roles; every change a CSRF token; what a page changes goes through the same registry
 * functions as the admin API, so roles, four eyes and the audit trail are the same.
 */
export function consoleRouter(deps: ConsoleDeps): Router {
  const { ctx } = deps;
  const config = ctx.config;
  const router = express.Router();
  const publicUrl = (config.console.publicUrl ?? `http://${config.admin.host.includes(':') ? `[${config.admin.host}]` : config.admin.host}:${config.admin.port}`).replace(/\/$/, '');
  const secure = new URL(publicUrl).protocol === 'https:' || isLoopback(new URL(publicUrl).hostname);
  if (!secure) ctx.log.warn({ publicUrl }, 'console over plain HTTP off loopback: browsers will not keep its cookies; put it behind TLS (console.publicUrl https://...)');
  const sessions = new Sessions({ idleMinutes: config.console.sessionIdleMinutes, maxHours: config.console.sessionMaxHours, cookies: { secure } });
  const secretReference = config.console.clientSecret;
  const signIn = secretReference
    ? new SignIn({ sso: config.sso, clientId: config.console.clientId, publicUrl, secret: async () => (await new Credentials('console', { clientSecret: secretReference }).get('clientSecret')).reveal() })
    : null;
  const formActions = ["'self'", signIn?.ssoOrigin].filter(Boolean).join(' ');

  router.use('/static/uplot', express.static(uplotDir, { index: false, maxAge: '1d' }));
  router.use('/static', express.static(staticDir, { index: false, maxAge: '1h' }));
  router.use((req: Request, res, next) => {
    // Scripts, styles and pictures from this origin only: no inline script, no CDN, no framing.
    res.setHeader('content-security-policy', `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action ${formActions}`);
    res.setHeader('x-frame-options', 'DENY');
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'same-origin');
    res.setHeader('cache-control', 'no-store');
    const chosen = cookiesOf(req)[languageCookie];
    const language: Language = isLanguage(chosen) ? chosen : 'id';
    const session = sessions.find(req);
    (req as ConsoleRequest).session = session;
    (req as ConsoleRequest).view = { locale: localeOf(language, config.timezone), session, region: config.region, path: req.originalUrl.split('#')[0]! };
    next();
  });
  router.use(express.urlencoded({ extended: false, limit: '64kb', inflate: false }));
  // Every change carries the session's token (or, signed out, comes from this origin).
  router.use((req: Request, _res, next) => {
    if (req.method !== 'POST') return next();
    const { session } = req as ConsoleRequest;
    const given: unknown = (req.body as Record<string, unknown> | undefined)?._csrf ?? req.headers['x-csrf-token'];
    const sameOrigin = req.headers.origin === undefined || req.headers.origin === new URL(publicUrl).origin;
    next(sameOrigin && (session ? csrfMatches(session, given) : true) ? undefined : new PageError(403, 'csrfFailed'));
  });

  router.post('/bahasa', (req: Request, res) => {
    const body = req.body as Record<string, unknown>;
    const language = isLanguage(body.bahasa) ? body.bahasa : 'id';
    appendCookie(res, stringifySetCookie(languageCookie, language, { path: '/', sameSite: 'lax', secure, maxAge: 365 * 86400, httpOnly: true }));
    res.redirect(303, localPath(body.kembali));
  });

  router.get('/masuk', (req: Request, res) => {
    const { view } = req as ConsoleRequest;
    const { t } = view.locale;
    const returnTo = localPath(req.query.kembali);
    const body = signIn
      ? html`<p>${t('signInLead')}</p><p><a class="button" href="/masuk/sso?kembali=${encodeURIComponent(returnTo)}" data-testid="sign-in">${t('signInButton')}</a></p>`
      : html`<p class="warning" role="alert">${t('notConfigured')}</p>`;
    res.status(signIn ? 200 : 503).type('html').send(page(view, t('signInTitle'), body));
  });
  router.get('/masuk/sso', page$(async (req, res) => {
    if (!signIn) return res.redirect(303, '/masuk');
    const started = await signIn.start(localPath(req.query.kembali));
    sessions.startSignIn(res, started.pending);
    res.redirect(303, started.url.href);
  }));
  router.get('/masuk/kembali', page$(async (req, res) => {
    const pending = sessions.takeSignIn(req, res);
    const { t } = req.view.locale;
    try {
      if (!signIn || !pending) throw new Error('no sign-in was started in this browser');
      const person = await signIn.finish(new URL(req.originalUrl, publicUrl), pending);
      if (!person.roles.some((role) => readRoles.includes(role))) throw new PageError(403, 'noRole');
      sessions.open(res, person, config.console.clientId);
      ctx.log.info({ subject: person.subject, roles: person.roles }, 'console sign-in');
      res.redirect(303, pending.returnTo);
    } catch (error) {
      if (error instanceof PageError) throw error;
      // openid-client's ResponseBodyError carries the SSO's own words (RFC 6749 error and description).
      const { error: code, error_description: description } = error as { error?: string; error_description?: string };
      const reason = [code, description].filter(Boolean).join(': ') || (error as Error).message;
      ctx.log.warn({ err: reason }, 'console sign-in failed');
      res.status(400).type('html').send(page(req.view, t('signInTitle'), html`<p class="warning" role="alert">${t('signInFailed', { reason })}</p><p><a class="button" href="/masuk/sso">${t('signInButton')}</a></p>`));
    }
  }));
  router.post('/keluar', page$(async (req, res) => {
    const session = req.session;
    sessions.close(res, session);
    const elsewhere = session && signIn ? await signIn.signOutUrl(session.person) : null;
    res.redirect(303, elsewhere?.href ?? '/masuk');
  }));

  // Everything below needs a session with a read role.
  router.use((req: Request, res, next) => {
    const { session } = req as ConsoleRequest;
    if (session) return next();
    if (req.headers.accept?.includes('text/event-stream')) return res.status(401).end();
    res.redirect(303, `/masuk?kembali=${encodeURIComponent(req.originalUrl)}`);
  });

  const pageDeps: PageDeps = { ...deps, sessions };
  router.get('/', page$((req, res) => homePage(pageDeps, req, res)));
  router.use(trafficPages(pageDeps));
  router.use(servicePages(pageDeps));
  router.use(approvalPages(pageDeps));
  router.use(auditPages(pageDeps));
  router.use(reportPages(pageDeps));

  router.use((req: Request, _res, next) => next(new PageError(404, 'notFound')));
  router.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    const view = (req as Partial<ConsoleRequest>).view;
    if (!view) return next(error);
    const { t } = view.locale;
    const known = error instanceof PageError ? error : undefined;
    // A refusal of the layers below (a bad filter value, a state conflict) is the person's to fix: its words are shown.
    const refusal = error instanceof Problem && error.status < 500 ? error : undefined;
    if (!known && !refusal) ctx.log.error({ err: error }, 'console page fault');
    const status = known?.status ?? refusal?.status ?? (error instanceof StoreUnavailable ? 503 : 500);
    const words = known ? t(known.key, known.values) : refusal ? refusal.toDocument('', undefined, view.locale.language).detail : t('errorLead');
    res.status(status).type('html').send(page(view, t('error'), html`<p class="warning" role="alert" data-testid="page-error">${words}</p><p><a href="/">${t('navHome')}</a></p>`));
  });
  return router;
}

