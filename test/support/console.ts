import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSsoProvider, type SsoPerson } from '../../gateway/demo/sso-provider.ts';
import { freePort } from '../../gateway/listeners/free-port.ts';
import { roles } from '../../gateway/sso/roles.ts';
import { audience, startHarness, tempDir, testClients, type Harness, type HarnessOptions } from './harness.ts';

/**
 * The console's people in tests: the demo's three, one per role, and `dua-peran`, who holds both
 * the editor's and the approver's role (four eyes must still refuse them their own version). A
 * client-credentials client of the same name gives `dua-peran` an admin API token whose `sub` is
 * the same person.
 */
export const consolePeople: SsoPerson[] = [
  { username: 'ops', password: 'ops-password-1', name: 'Operator NOC', roles: [roles.ops] },
  { username: 'admin', password: 'admin-password-1', name: 'Admin Integrasi', roles: [roles.admin] },
  { username: 'approver', password: 'approver-password-1', name: 'Kepala Bidang', roles: [roles.approver] },
  { username: 'dua-peran', password: 'dua-peran-password-1', name: 'Pemegang Dua Peran', roles: [roles.admin, roles.approver] },
  { username: 'tanpa-peran', password: 'tanpa-peran-password-1', name: 'Pegawai Lain', roles: ['pegawai'] },
];

export interface ConsoleHarness extends Harness { consoleUrl: string }

/** A harness whose SSO also signs people in to the console (authorization code), on a known admin port. */
export async function startConsoleHarness(options: HarnessOptions = {}): Promise<ConsoleHarness> {
  const adminPort = await freePort();
  const consoleUrl = `http://127.0.0.1:${adminPort}`;
  const secretDir = tempDir('console-secret-');
  const secretFile = join(secretDir, 'client-secret');
  const secret = 'console-secret-0123456789abcdef';
  writeFileSync(secretFile, `${secret}\n`, { mode: 0o600 });
  const sso = await startSsoProvider({
    audience,
    clients: [...testClients, ...(options.clients ?? []), { clientId: 'dua-peran', secret: 'dua-peran-secret-0123456789', scopes: [], roles: [roles.admin, roles.approver] }],
    people: consolePeople,
    webClients: [{ clientId: 'penghubung-console', secret, redirectUris: [`${consoleUrl}/masuk/kembali`], postLogoutRedirectUris: [`${consoleUrl}/`] }],
  });
  const harness = await startHarness({
    ...options,
    sso,
    config: {
      ...options.config,
      admin: { host: '127.0.0.1', port: adminPort },
      console: { clientSecret: `file:${secretFile}`, publicUrl: consoleUrl },
    },
  });
  return {
    ...harness,
    consoleUrl,
    async close() {
      await harness.close();
      await sso.close();
    },
  };
}

/** A cookie jar over fetch that follows no redirect by itself: each hop of a sign-in is seen. */
export class Browserless {
  readonly cookies = new Map<string, string>();

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('cookie', [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      const name = pair!.slice(0, at);
      const value = pair!.slice(at + 1);
      if (/max-age=0|expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  /** Follows redirects (GET) from `url`, returning the last answer and the URL it came from. */
  async follow(url: string, init: RequestInit = {}): Promise<{ res: Response; url: string }> {
    let res = await this.fetch(url, init);
    let at = url;
    for (let hops = 0; res.status >= 300 && res.status < 400 && hops < 10; hops++) {
      at = new URL(res.headers.get('location')!, at).href;
      res = await this.fetch(at);
    }
    return { res, url: at };
  }

  /** Signs in through the SSO's form as `username`: the answer after the last redirect. */
  async signIn(consoleUrl: string, username: string, password: string): Promise<{ res: Response; url: string }> {
    const { res: form, url: formUrl } = await this.follow(`${consoleUrl}/masuk/sso?kembali=/`);
    const action = /action="([^"]+\/login)"/.exec(await form.text())?.[1];
    if (!action) throw new Error(`no sign-in form at ${formUrl}`);
    return this.follow(new URL(action, formUrl).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username, password }).toString(),
    });
  }

  /** The CSRF token in a page's forms. */
  static csrf(page: string): string {
    const token = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
    if (!token) throw new Error('no CSRF token on the page');
    return token;
  }
}
