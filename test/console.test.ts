import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractDocumentFromFile } from '../gateway/admin-cli/contract-document.ts';
import { sandboxContracts } from './support/harness.ts';
import { Browserless, consolePeople, startConsoleHarness, type ConsoleHarness } from './support/console.ts';

const password = (username: string) => consolePeople.find((person) => person.username === username)!.password;

/**
 * The console's sign-in, session and guards over plain HTTP (the browser tests drive the pages):
 * authorization code with PKCE against the real OIDC provider, cookie attributes, CSRF, sign-out,
 * roles, and what a page change writes to the audit trail.
 */
describe('the ops console: sign-in, session and guards', () => {
  let h: ConsoleHarness;
  beforeAll(async () => {
    h = await startConsoleHarness();
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('sends a person without a session to the sign-in page, and the sign-in to the SSO with PKCE (S256), state and nonce', async () => {
    const browser = new Browserless();
    const home = await browser.fetch(`${h.consoleUrl}/lalu-lintas?contract=x`);
    expect(home.status).toBe(303);
    expect(home.headers.get('location')).toBe(`/masuk?kembali=${encodeURIComponent('/lalu-lintas?contract=x')}`);
    const start = await browser.fetch(`${h.consoleUrl}/masuk/sso?kembali=/`);
    expect(start.status).toBe(303);
    const authorize = new URL(start.headers.get('location')!);
    expect(authorize.origin).toBe(h.sso.issuer);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(authorize.searchParams.get('state')).toBeTruthy();
    expect(authorize.searchParams.get('nonce')).toBeTruthy();
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${h.consoleUrl}/masuk/kembali`);
    // The pending sign-in cookie: httpOnly, Lax, short-lived, bound to this origin.
    const cookie = start.headers.getSetCookie().find((line) => line.startsWith('__Host-penghubung-masuk='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Secure/i);
    expect(cookie).toMatch(/Max-Age=600/i);
  });

  it('signs ops in: a session cookie (httpOnly, Secure, SameSite), the person named on the page, a strict CSP', async () => {
    const browser = new Browserless();
    const { res, url } = await browser.signIn(h.consoleUrl, 'ops', password('ops'));
    expect(url).toBe(`${h.consoleUrl}/`);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('Operator NOC');
    expect(page).toContain('<html lang="id">');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(browser.cookies.has('__Host-penghubung-sesi')).toBe(true);
  });

  it('refuses a wrong password at the SSO, and a person without a Penghubung role at the console', async () => {
    const wrong = await new Browserless().signIn(h.consoleUrl, 'ops', 'not-the-password');
    expect(wrong.res.status).toBe(401);
    expect(await wrong.res.text()).toContain('Nama pengguna atau kata sandi salah');

    const browser = new Browserless();
    const { res } = await browser.signIn(h.consoleUrl, 'tanpa-peran', password('tanpa-peran'));
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('tidak memiliki peran Penghubung');
    expect(browser.cookies.has('__Host-penghubung-sesi')).toBe(false);
  });

  it('refuses a callback this browser did not start (a forged or replayed code)', async () => {
    const browser = new Browserless();
    const res = await browser.fetch(`${h.consoleUrl}/masuk/kembali?code=forged&state=forged`);
    expect(res.status).toBe(400);
    expect(browser.cookies.has('__Host-penghubung-sesi')).toBe(false);
  });

  it('refuses a change without the session\'s CSRF token or from another origin, and accepts it with the token', async () => {
    const browser = new Browserless();
    const page = await (await browser.signIn(h.consoleUrl, 'ops', password('ops'))).res.text();
    const form = (fields: Record<string, string>) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
    const without = await browser.fetch(`${h.consoleUrl}/bahasa`, form({ bahasa: 'en', kembali: '/' }));
    expect(without.status).toBe(403);
    expect(await without.text()).toContain('Formulir ini kedaluwarsa');
    const csrf = Browserless.csrf(page);
    const elsewhere = await browser.fetch(`${h.consoleUrl}/bahasa`, { ...form({ _csrf: csrf, bahasa: 'en', kembali: '/' }), headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' } });
    expect(elsewhere.status).toBe(403);
    const switched = await browser.fetch(`${h.consoleUrl}/bahasa`, form({ _csrf: csrf, bahasa: 'en', kembali: '//evil.example/' }));
    expect(switched.status).toBe(303);
    // Never off the console: `//host` is another site.
    expect(switched.headers.get('location')).toBe('/');
    const english = await (await browser.fetch(`${h.consoleUrl}/`)).text();
    expect(english).toContain('<html lang="en">');
    expect(english).toContain('Signed in as');
  });

  it('ends the session at sign-out: the old cookie opens nothing, and the browser goes on to the SSO\'s sign-out', async () => {
    const browser = new Browserless();
    const page = await (await browser.signIn(h.consoleUrl, 'ops', password('ops'))).res.text();
    const session = browser.cookies.get('__Host-penghubung-sesi')!;
    const out = await browser.fetch(`${h.consoleUrl}/keluar`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${Browserless.csrf(page)}` });
    expect(out.status).toBe(303);
    const endSession = new URL(out.headers.get('location')!);
    expect(endSession.origin).toBe(h.sso.issuer);
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${h.consoleUrl}/`);
    const replay = await fetch(`${h.consoleUrl}/`, { headers: { cookie: `__Host-penghubung-sesi=${session}` }, redirect: 'manual' });
    expect(replay.status).toBe(303);
    expect(replay.headers.get('location')).toMatch(/^\/masuk/);
  });

  it('keeps the admin API problem+json: its paths never answer with a console page', async () => {
    const res = await fetch(`${h.consoleUrl}/admin/v1/nothing-here`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it('refuses an approval by its own author even with the approver role (four eyes), lets another reject it, shows that in the audit trail, and audits a search of the traffic log', async () => {
    // dua-peran creates and submits a version through the admin API (its token's sub is dua-peran) ...
    const token = await h.sso.token('dua-peran');
    const admin = (path: string, body?: unknown) => fetch(`${h.adminUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
    const document = contractDocumentFromFile(join(sandboxContracts, 'direktori.yaml')) as Record<string, unknown>;
    const created = await admin('/admin/v1/contracts', { ...document, version: '1.0.1', title: 'Direktori (dua peran)' });
    expect(created.status).toBe(201);
    expect((await admin('/admin/v1/contracts/sandbox-direktori/versions/1.0.1/submit')).status).toBe(200);

    // ... and, signed in to the console as the same person, cannot approve it.
    const browser = new Browserless();
    await browser.signIn(h.consoleUrl, 'dua-peran', password('dua-peran'));
    const approvals = await (await browser.fetch(`${h.consoleUrl}/persetujuan`)).text();
    expect(approvals).toContain('data-version="1.0.1"');
    const refused = await browser.fetch(`${h.consoleUrl}/persetujuan/sandbox-direktori/1.0.1/setujui`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: Browserless.csrf(approvals), nomor: '500/1/2026', tanggal: '2026-12-07', catatan: '' }).toString(),
    });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('prinsip empat mata');
    const record = await (await fetch(`${h.adminUrl}/admin/v1/contracts/sandbox-direktori`, { headers: { authorization: `Bearer ${token}` } })).json() as { versions: { version: string; state: string }[] };
    expect(record.versions.find((v) => v.version === '1.0.1')?.state).toBe('submitted');

    // Another person, the approver, rejects it with a note: a draft again, and the trail shows who and why.
    const approver = new Browserless();
    await approver.signIn(h.consoleUrl, 'approver', password('approver'));
    const page = await (await approver.fetch(`${h.consoleUrl}/persetujuan`)).text();
    const rejected = await approver.fetch(`${h.consoleUrl}/persetujuan/sandbox-direktori/1.0.1/tolak`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: Browserless.csrf(page), catatan: 'Skema respons belum lengkap.' }).toString(),
    });
    expect(rejected.status).toBe(303);
    expect(await (await approver.fetch(`${h.consoleUrl}${rejected.headers.get('location')!}`)).text()).toContain('ditolak dan kembali menjadi draf');
    const again = await (await fetch(`${h.adminUrl}/admin/v1/contracts/sandbox-direktori`, { headers: { authorization: `Bearer ${token}` } })).json() as { versions: { version: string; state: string }[] };
    expect(again.versions.find((v) => v.version === '1.0.1')?.state).toBe('draft');
    const trail = await (await approver.fetch(`${h.consoleUrl}/audit?action=contract.reject`)).text();
    expect(trail).toContain('data-testid="audit-row"');
    expect(trail).toContain('sandbox-direktori@1.0.1');
    expect(trail).toContain('Skema respons belum lengkap.');
    expect(trail).toContain('&quot;state&quot;: &quot;submitted&quot;');

    await browser.fetch(`${h.consoleUrl}/lalu-lintas?contract=sandbox-direktori`);
    const audit = await (await fetch(`${h.adminUrl}/admin/v1/audit?action=traffic.read&actor=dua-peran`, { headers: { authorization: `Bearer ${token}` } })).json() as { items: { actor: { subject: string; clientId: string }; after: { filter: { contract?: string }; via: string } }[] };
    expect(audit.items[0]?.actor).toMatchObject({ subject: 'dua-peran', clientId: 'penghubung-console' });
    expect(audit.items[0]?.after).toMatchObject({ filter: { contract: 'sandbox-direktori' }, via: 'console' });
  });
});
