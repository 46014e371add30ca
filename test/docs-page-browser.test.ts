import type { Browser as PlaywrightBrowser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { until } from './support/until.ts';

const holds = (probe: () => boolean | Promise<boolean>, timeoutMs: number, what: string) => until(probe, (value) => value, { timeoutMs, what });

/**
 * A page in Debian's Chromium through playwright-core, with the few things these tests read: an
 * expression's value, the Content-Security-Policy refusals it logged, the requests it made.
 */
class Browser {
  private readonly refusals: string[] = [];
  private readonly made: { url: string; authorization?: string }[] = [];
  private readonly chromium: PlaywrightBrowser;
  readonly page: Page;

  private constructor(chromium: PlaywrightBrowser, page: Page) {
    this.chromium = chromium;
    this.page = page;
    page.on('console', (message) => {
      if (/Content Security Policy/.test(message.text())) this.refusals.push(message.text());
    });
    page.on('request', (request) => this.made.push({ url: request.url(), authorization: request.headers().authorization }));
  }

  static async launch(): Promise<Browser> {
    const chromium = await launchChromium();
    return new Browser(chromium, await chromium.newPage());
  }

  async navigate(url: string): Promise<void> {
    await this.page.goto(url);
  }

  evaluate<T>(expression: string): Promise<T> {
    return this.page.evaluate<T>(expression);
  }

  /** Lines Chromium logs for refusals of the page's Content-Security-Policy. */
  cspViolations(): string[] {
    return [...this.refusals];
  }

  requests(): { url: string; authorization?: string }[] {
    return [...this.made];
  }

  async close(): Promise<void> {
    await this.chromium.close();
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
    await browser?.close();
    await h?.close();
  });

  it('shows the caller\'s operations once given its token, calls one, and breaks no rule of its CSP', async () => {
    await browser.navigate(`${h.url}/docs`);
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
    await browser.navigate(`${h.adminUrl}/docs`);
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
