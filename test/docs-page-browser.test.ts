import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, tempDir, type Harness } from './support/harness.ts';
import { until } from './support/until.ts';

const holds = (probe: () => boolean | Promise<boolean>, timeoutMs: number, what: string) => until(probe, (value) => value, { timeoutMs, what });

/** A page in headless Chromium, driven over the DevTools protocol (Node's WebSocket; no browser package). */
interface CdpEvent { method: string; params: { entry?: { text: string }; request?: { url: string; headers: Record<string, string> } } }

class Browser {
  readonly events: CdpEvent[] = [];
  private nextId = 0;
  private readonly pending = new Map<number, (result: unknown) => void>();
  private readonly process: ChildProcess;
  private readonly profile: string;
  private readonly socket: WebSocket;

  private constructor(chromium: ChildProcess, profile: string, socket: WebSocket) {
    this.process = chromium;
    this.profile = profile;
    this.socket = socket;
    socket.addEventListener('message', (message) => {
      const data = JSON.parse(String(message.data));
      if (data.id !== undefined) this.pending.get(data.id)?.(data.result ?? { error: data.error });
      else this.events.push(data);
    });
  }

  static async launch(): Promise<Browser> {
    const profile = tempDir('chromium-');
    // The flags that keep Chromium off the network it has no business with (updates, sync, metrics).
    const chromium = spawn('/usr/bin/chromium', [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, '--remote-debugging-port=0', 'about:blank',
    ], { stdio: 'ignore', detached: true });
    const portFile = join(profile, 'DevToolsActivePort');
    await holds(() => existsSync(portFile) && readFileSync(portFile, 'utf8').includes('\n'), 20_000, 'Chromium to listen');
    const port = readFileSync(portFile, 'utf8').split('\n')[0]!;
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as { type: string; webSocketDebuggerUrl: string }[];
    const socket = new WebSocket(targets.find((target) => target.type === 'page')!.webSocketDebuggerUrl);
    await new Promise((resolve, reject) => {
      socket.addEventListener('open', resolve);
      socket.addEventListener('error', reject);
    });
    const browser = new Browser(chromium, profile, socket);
    for (const domain of ['Log', 'Runtime', 'Page', 'Network']) await browser.send(`${domain}.enable`);
    return browser;
  }

  send(method: string, params: object = {}): Promise<unknown> {
    const id = ++this.nextId;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  async evaluate<T>(expression: string): Promise<T> {
    const { result } = (await this.send('Runtime.evaluate', { expression, returnByValue: true })) as { result: { value: T } };
    return result.value;
  }

  /** Lines Chromium logs for refusals of the page's Content-Security-Policy. */
  cspViolations(): string[] {
    return this.events.flatMap((e) => (e.method === 'Log.entryAdded' && /Content Security Policy/.test(e.params.entry!.text) ? [e.params.entry!.text] : []));
  }

  requests(): { url: string; authorization?: string }[] {
    return this.events.flatMap((e) => (e.method === 'Network.requestWillBeSent' ? [{ url: e.params.request!.url, authorization: e.params.request!.headers.Authorization }] : []));
  }

  close(): void {
    this.socket.close();
    if (this.process.pid) process.kill(-this.process.pid, 'SIGKILL');
    rmSync(this.profile, { recursive: true, force: true });
  }
}

/**
 * What a developer sees: the page renders Swagger UI under its strict CSP with no refusal, loads
 * nothing from elsewhere, and with a token shows exactly the caller's operations and calls them.
 */
describe('the /docs page in Chromium', () => {
  let h: Harness;
  let browser: Browser;

  beforeAll(async () => {
    h = await startHarness();
    browser = await Browser.launch();
  }, 60_000);
  afterAll(async () => {
    browser?.close();
    await h?.close();
  });

  it('shows the caller\'s operations once given its token, calls one, and breaks no rule of its CSP', async () => {
    await browser.send('Page.navigate', { url: `${h.url}/docs` });
    await holds(() => browser.evaluate<boolean>('document.readyState === "complete" && typeof SwaggerUIBundle === "function"'), 10_000, 'the page and Swagger UI loaded');
    expect(await browser.evaluate<string>('document.title')).toBe('Dokumentasi API Penghubung');
    // Nothing loaded before the token: the document needs it.
    expect(browser.requests().map((r) => r.url)).not.toContain(`${h.url}/openapi.json`);

    const token = await h.token('app-reader');
    await browser.evaluate(`document.getElementById('token').value = 'Bearer ${token}'; document.getElementById('token-form').requestSubmit(); true`);
    await holds(() => browser.evaluate<boolean>('document.querySelectorAll(".opblock").length > 0'), 10_000, 'the operations of the caller shown');
    const shown = await browser.evaluate<string[]>('[...document.querySelectorAll(".opblock-summary-path")].map((e) => e.textContent.trim())');
    expect(shown.sort()).toEqual(['/sandbox/v1/perangkat-daerah', '/sandbox/v1/perangkat-daerah/{kode}']);
    expect(await browser.evaluate<string>('document.getElementById("token").value')).toBe('');

    // Try it out on the list: the call carries the token and the answer is shown.
    await browser.evaluate('document.querySelector(".opblock-get .opblock-summary-control").click(); true');
    await holds(() => browser.evaluate<boolean>('!!document.querySelector(".try-out__btn")'), 5_000, 'the Try it out button');
    await browser.evaluate('document.querySelector(".try-out__btn").click(); true');
    await holds(() => browser.evaluate<boolean>('!!document.querySelector(".execute")'), 5_000, 'the Execute button');
    await browser.evaluate('document.querySelector(".execute").click(); true');
    await holds(() => browser.evaluate<boolean>('!!document.querySelector(".live-responses-table tr.response .response-col_status")'), 5_000, 'the answer shown');
    expect(await browser.evaluate<string>('document.querySelector(".live-responses-table tr.response .response-col_status").textContent.trim()')).toBe('200');

    const requests = browser.requests();
    expect(requests.find((r) => r.url === `${h.url}/openapi.json`)?.authorization).toBe(`Bearer ${token}`);
    expect(requests.find((r) => r.url.startsWith(`${h.url}/sandbox/v1/perangkat-daerah`))?.authorization).toBe(`Bearer ${token}`);
    expect(requests.find((r) => r.url === `${h.url}/docs`)?.authorization).toBeUndefined();
    // Every request stays on the gateway (icons are data: URLs inside the stylesheet).
    expect(requests.filter((r) => !r.url.startsWith(`${h.url}/`) && !r.url.startsWith('data:'))).toEqual([]);
    expect(browser.cspViolations()).toEqual([]);

    // The control: an inline style is refused and reported, so an empty list above means something.
    await browser.evaluate('document.body.insertAdjacentHTML("beforeend", "<div style=\\"color: red\\">x</div>"); true');
    await holds(() => browser.cspViolations().length > 0, 5_000, 'the inline style refused');
  }, 60_000);

  it('shows the admin API on the admin listener once given an admin token, marked as authorized, within its CSP', async () => {
    const refusedBefore = browser.cspViolations().length;
    const requestsBefore = browser.requests().length;
    await browser.send('Page.navigate', { url: `${h.adminUrl}/docs` });
    await holds(() => browser.evaluate<boolean>('document.readyState === "complete" && typeof SwaggerUIBundle === "function"'), 10_000, 'the admin page and Swagger UI loaded');
    expect(await browser.evaluate<string>('document.title')).toBe('Dokumentasi API Admin Penghubung');

    const token = await h.token('ops-console');
    await browser.evaluate(`document.getElementById('token').value = '${token}'; document.getElementById('token-form').requestSubmit(); true`);
    await holds(() => browser.evaluate<boolean>('document.querySelectorAll(".opblock").length > 0'), 10_000, 'the admin operations shown');
    const shown = await browser.evaluate<string[]>('[...document.querySelectorAll(".opblock-summary-path")].map((e) => e.textContent.trim())');
    expect(shown).toEqual(expect.arrayContaining(['/admin/v1/contracts', '/admin/v1/contracts/{id}/versions/{version}/approve', '/admin/v1/traffic', '/admin/v1/openapi.json']));
    // The token went to Swagger UI under the document's scheme (bearerAuth): its Authorize button shows it set.
    await holds(() => browser.evaluate<boolean>('!!document.querySelector(".auth-wrapper .authorize.locked")'), 5_000, 'the Authorize button locked');
    const requests = browser.requests().slice(requestsBefore);
    expect(requests.find((r) => r.url === `${h.adminUrl}/openapi.json`)?.authorization).toBe(`Bearer ${token}`);
    expect(requests.filter((r) => !r.url.startsWith(`${h.adminUrl}/`) && !r.url.startsWith('data:'))).toEqual([]);
    expect(browser.cspViolations().length).toBe(refusedBefore);
  }, 60_000);
});
