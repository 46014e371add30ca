import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { escapeHtml as escape } from '../html/html.ts';

/** A person who signs in at the SSO's login page (the console's ops, admins and approvers). */
export interface SsoPerson {
  username: string;
  password: string;
  name: string;
  roles: string[];
}

/*
 * The demo SSO's own sign-in page: what the region's real SSO shows its people. oidc-provider
 * leaves interactions to the application (its development pages accept any name without a
 * password), so this is the smallest real one: a name and a password, checked, then back to the
 * provider to finish the authorization code flow.
 */

function page(title: string, body: string): string {
  return `<!doctype html><html lang="id"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<title>${escape(title)}</title><style>body{font:16px system-ui,sans-serif;max-width:24rem;margin:3rem auto;padding:0 1rem}
label,input,button{display:block;width:100%;box-sizing:border-box;margin:.3rem 0}input{padding:.5rem}button{padding:.6rem;margin-top:1rem}
.error{color:#a00}</style></head><body>${body}</body></html>`;
}

function loginForm(uid: string, client: string, error?: string): string {
  return page('Masuk SSO', `<h1>Masuk</h1><p>SSO Pemerintah Daerah (demo) untuk <strong>${escape(client)}</strong>.</p>
${error ? `<p class="error" role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="username">Nama pengguna</label><input id="username" name="username" autocomplete="username" required autofocus>
<label for="password">Kata sandi</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Masuk</button></form>
<form method="post" action="/interaction/${escape(uid)}/abort"><button type="submit">Batal</button></form>`);
}

/** Equal in constant time: compares digests, so the lengths do not leak either. */
function samePassword(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 8192) req.destroy(new Error('form too large'));
    });
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-frame-options': 'DENY' });
  res.end(html);
}

/** `/interaction/<uid>` (the form), `/interaction/<uid>/login` and `/interaction/<uid>/abort`. */
export function signInPages(provider: Provider, people: ReadonlyMap<string, SsoPerson>) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const details = await provider.interactionDetails(req, res);
      const client = typeof details.params.client_id === 'string' ? details.params.client_id : '';
      const action = /^\/interaction\/[^/]+\/(login|abort)$/.exec(req.url ?? '')?.[1];
      if (req.method === 'GET' && !action) return send(res, 200, loginForm(details.uid, client));
      if (req.method !== 'POST' || !action) return send(res, 405, page('Tidak diizinkan', '<p>Metode tidak diizinkan.</p>'));
      if (action === 'abort') {
        return await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'The person cancelled the sign-in.' }, { mergeWithLastSubmission: false });
      }
      const form = await readForm(req);
      const person = people.get(form.get('username') ?? '');
      // The password is checked even for an unknown name, so the answer's timing tells nothing.
      const passwordOk = samePassword(form.get('password') ?? '', person?.password ?? '\u0000');
      if (!person || !passwordOk) return send(res, 401, loginForm(details.uid, client, 'Nama pengguna atau kata sandi salah.'));
      await provider.interactionFinished(req, res, { login: { accountId: person.username } }, { mergeWithLastSubmission: false });
    } catch {
      send(res, 400, page('Sesi masuk berakhir', '<p>Sesi masuk ini sudah berakhir atau tidak dikenal. Kembali ke aplikasi dan mulai masuk lagi.</p>'));
    }
  };
}

/** oidc-provider's sign-out confirmation (RP-initiated logout), in the SSO's language. */
export function signOutPage(ctx: KoaContextWithOIDC, form: string): void {
  ctx.type = 'html';
  ctx.body = page('Keluar SSO', `<h1>Keluar</h1><p>Keluar juga dari SSO?</p>${form}
<button form="op.logoutForm" name="logout" value="yes" type="submit">Ya, keluar</button>`);
}
