import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractDocumentFromFile } from '../gateway/admin-cli/contract-document.ts';
import { roles } from '../gateway/sso/roles.ts';
import { launchChromium, PageCheck } from './support/browser.ts';
import { consolePeople, startConsoleHarness, type ConsoleHarness } from './support/console.ts';
import { sandboxContracts } from './support/harness.ts';

let h: ConsoleHarness;
let browser: Browser;
const contexts: BrowserContext[] = [];

/** A fresh browser profile signed in as `username` through the SSO's own form; its page and the page's check. */
async function signedIn(username: string): Promise<{ page: Page; check: PageCheck }> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  const check = new PageCheck(page);
  await page.goto(`${h.consoleUrl}/`);
  expect(new URL(page.url()).pathname).toBe('/masuk');
  await page.getByTestId('sign-in').click();
  await page.waitForURL((url) => url.origin === h.sso.issuer);
  await page.fill('#username', username);
  await page.fill('#password', consolePeople.find((person) => person.username === username)!.password);
  await page.click('button[type=submit]');
  await page.waitForURL(`${h.consoleUrl}/`);
  return { page, check };
}

/** A call through the gateway as a PD application: its exchange id. */
async function call(requestId: string, withToken = true): Promise<string> {
  const headers: Record<string, string> = { 'x-request-id': requestId };
  if (withToken) headers.authorization = `Bearer ${await h.token('app-reader')}`;
  const res = await fetch(`${h.url}/sandbox/v1/perangkat-daerah/2.16`, { headers });
  await res.arrayBuffer();
  return res.headers.get('penghubung-exchange-id')!;
}

/** A new version of the sandbox contract, created and submitted by the Dinas' editor through the admin API. */
async function submitted(version: string, title: string): Promise<void> {
  const token = await h.token('dinas-editor');
  const admin = (path: string, body: unknown = {}) => fetch(`${h.adminUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const document = contractDocumentFromFile(join(sandboxContracts, 'direktori.yaml')) as Record<string, unknown>;
  expect((await admin('/admin/v1/contracts', { ...document, version, title })).status).toBe(201);
  expect((await admin(`/admin/v1/contracts/sandbox-direktori/versions/${version}/submit`)).status).toBe(200);
}

async function versionState(version: string): Promise<{ state: string; approved?: { by: string; recommendation: { number: string } } }> {
  const res = await fetch(`${h.adminUrl}/admin/v1/contracts/sandbox-direktori`, { headers: { authorization: `Bearer ${await h.token('ops-console')}` } });
  const record = await res.json() as { versions: { version: string; state: string }[] };
  return record.versions.find((v) => v.version === version)!;
}

const cells = (page: Page, testId: string, column: number) => page.getByTestId(testId).locator(`tbody tr td:nth-child(${column})`).allInnerTexts();

describe('the ops console in Chromium', () => {
  beforeAll(async () => {
    h = await startConsoleHarness({ clients: [{ clientId: 'dinas-editor', secret: 'dinas-editor-secret-0123', scopes: [], roles: [roles.admin] }] });
    browser = await launchChromium();
    await call('konsol-ok-1');
    await call('konsol-tanpa-token-1', false);
    await h.flushTraffic();
  }, 60_000);
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await h?.close();
  });

  it('lets ops sign in, see the traffic just made, filter it by contract and by error code, and open an exchange', async () => {
    const { page, check } = await signedIn('ops');
    await expect.poll(() => page.locator('h1').innerText()).toBe('Beranda');
    expect(await page.locator('.person').innerText()).toContain('Operator NOC');

    await page.getByRole('link', { name: 'Lalu lintas' }).click();
    await expect.poll(() => page.locator('h1').innerText()).toBe('Log lalu lintas');
    expect((await cells(page, 'traffic-table', 3)).length).toBeGreaterThanOrEqual(2);

    await page.selectOption('select[name=contract]', 'sandbox-direktori');
    await page.getByRole('button', { name: 'Saring' }).click();
    await page.waitForURL(/contract=sandbox-direktori/);
    const contracts = await cells(page, 'traffic-table', 3);
    expect(contracts.length).toBeGreaterThan(0);
    expect(new Set(contracts)).toEqual(new Set(['sandbox-direktori']));

    await page.goto(`${h.consoleUrl}/lalu-lintas`);
    await page.selectOption('select[name=code]', 'TOKEN_MISSING');
    await page.getByRole('button', { name: 'Saring' }).click();
    await page.waitForURL(/code=TOKEN_MISSING/);
    expect(new Set(await cells(page, 'traffic-table', 6))).toEqual(new Set(['TOKEN_MISSING']));
    expect(new Set(await cells(page, 'traffic-table', 5))).toEqual(new Set(['401']));

    await page.getByTestId('traffic-table').locator('tbody tr td a').first().click();
    const detail = page.getByTestId('exchange-detail');
    await expect.poll(() => detail.innerText()).toContain('konsol-tanpa-token-1');
    expect(await detail.innerText()).toContain('TOKEN_MISSING');
    // Times in WIB, in Indonesian.
    expect(await detail.innerText()).toMatch(/\d{1,2} (Jan|Feb|Mar|Apr|Mei|Jun|Jul|Agu|Sep|Okt|Nov|Des) \d{4}.* WIB/);
    expect(check.unexpected()).toEqual([]);
  }, 60_000);

  it('shows a new exchange in the live tail, and nothing while it is paused', async () => {
    const { page, check } = await signedIn('ops');
    await page.goto(`${h.consoleUrl}/lalu-lintas`);
    await expect.poll(() => page.getByTestId('tail-state').innerText(), { timeout: 10_000 }).toBe('tersambung');
    const exchangeId = await call('konsol-langsung-1');
    await expect.poll(() => page.locator(`[data-testid=tail-rows] tr[data-log-id="${exchangeId}"]`).count(), { timeout: 10_000 }).toBe(1);

    await page.getByTestId('tail-toggle').click();
    expect(await page.getByTestId('tail-state').innerText()).toBe('dijeda');
    const whilePaused = await call('konsol-dijeda-1');
    await h.flushTraffic();
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await page.locator(`[data-testid=tail-rows] tr[data-log-id="${whilePaused}"]`).count()).toBe(0);
    expect(await page.getByTestId('tail-toggle').innerText()).toBe('Lanjutkan');

    // Filtered as the page is: only refusals without a token reach this tail.
    await page.goto(`${h.consoleUrl}/lalu-lintas?code=TOKEN_MISSING`);
    await expect.poll(() => page.getByTestId('tail-state').innerText(), { timeout: 10_000 }).toBe('tersambung');
    const answered = await call('konsol-tersaring-ok');
    const refused = await call('konsol-tersaring-401', false);
    await expect.poll(() => page.locator(`[data-testid=tail-rows] tr[data-log-id="${refused}"]`).count(), { timeout: 10_000 }).toBe(1);
    expect(await page.locator(`[data-testid=tail-rows] tr[data-log-id="${answered}"]`).count()).toBe(0);
    expect(check.unexpected()).toEqual([]);
  }, 60_000);

  it('switches to English and back, remembering the choice across pages', async () => {
    const { page, check } = await signedIn('ops');
    await page.goto(`${h.consoleUrl}/lalu-lintas`);
    await page.getByTestId('switch-language').click();
    await expect.poll(() => page.locator('h1').innerText()).toBe('Traffic log');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.getByRole('link', { name: 'Home' }).click();
    await expect.poll(() => page.locator('h1').innerText()).toBe('Home');
    await page.getByTestId('switch-language').click();
    await expect.poll(() => page.locator('h1').innerText()).toBe('Beranda');
    expect(await page.locator('html').getAttribute('lang')).toBe('id');
    expect(check.unexpected()).toEqual([]);
  }, 60_000);

  it('lets the approver approve a version the admin submitted, with the recommendation letter, after seeing the diff', async () => {
    await submitted('1.2.0', 'Direktori perangkat daerah (judul baru)');
    const { page, check } = await signedIn('approver');
    await page.getByRole('link', { name: 'Persetujuan' }).click();
    const card = page.locator('[data-testid=approval][data-version="1.2.0"]');
    expect(await card.locator('pre.diff').innerText()).toContain('title');
    await card.locator('input[name=nomor]').fill('000.5/77/DISKOMINFO/2026');
    await card.getByRole('button', { name: 'Setujui' }).click();
    await expect.poll(() => page.getByTestId('approval-result').innerText()).toContain('1.2.0');
    const state = await versionState('1.2.0');
    expect(state.state).toBe('approved');
    expect(state.approved).toMatchObject({ by: 'approver', recommendation: { number: '000.5/77/DISKOMINFO/2026' } });
    expect(check.unexpected()).toEqual([]);
  }, 60_000);

  it('refuses the admin\'s approval: the version stays submitted', async () => {
    await submitted('1.3.0', 'Direktori (diajukan admin)');
    const { page, check } = await signedIn('admin');
    await page.goto(`${h.consoleUrl}/persetujuan`);
    const card = page.locator('[data-testid=approval][data-version="1.3.0"]');
    await card.locator('input[name=nomor]').fill('000.5/78/DISKOMINFO/2026');
    await card.getByRole('button', { name: 'Setujui' }).click();
    await expect.poll(() => page.getByTestId('page-error').innerText()).toContain('Hanya pemberi persetujuan');
    expect((await versionState('1.3.0')).state).toBe('submitted');
    // The refusal is a 403 document: the only error the page check may see.
    expect(check.unexpected(/status of 403/)).toEqual([]);
  }, 60_000);

  it('shows service levels per contract and upstream over a chosen window, with a uPlot chart drawn from local files', async () => {
    const { page, check } = await signedIn('ops');
    await page.getByRole('link', { name: 'Layanan' }).click();
    await page.selectOption('select[name=rentang]', 'hour');
    await page.getByRole('button', { name: 'Saring' }).click();
    await page.waitForURL(/rentang=hour/);
    const sandbox = page.locator('tr[data-key="sandbox-direktori"]').first();
    // The calls with a token so far (the one without is refused before it has a contract).
    expect(Number((await sandbox.locator('td').first().innerText()).replace(/\./g, ''))).toBeGreaterThanOrEqual(3);
    expect(await sandbox.innerText()).toContain('≥ 99%');
    await expect.poll(() => page.locator('.chart .uplot canvas').count()).toBeGreaterThanOrEqual(1);
    expect(check.unexpected()).toEqual([]);
  }, 60_000);

  it('is readable on a phone: nothing wider than the screen but the tables, which scroll', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    contexts.push(context);
    const phone = await context.newPage();
    const check = new PageCheck(phone);
    await phone.goto(`${h.consoleUrl}/`);
    await phone.getByTestId('sign-in').click();
    await phone.fill('#username', 'ops');
    await phone.fill('#password', consolePeople.find((person) => person.username === 'ops')!.password);
    await phone.click('button[type=submit]');
    await phone.waitForURL(`${h.consoleUrl}/`);
    for (const path of ['/', '/lalu-lintas', '/layanan', '/audit']) {
      await phone.goto(`${h.consoleUrl}${path}`);
      expect(await phone.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth'), path).toBeLessThanOrEqual(0);
    }
    expect(check.unexpected()).toEqual([]);
  }, 60_000);

  it('signs out of the console and, on request, of the SSO: the console asks for a sign-in again', async () => {
    const { page, check } = await signedIn('ops');
    await page.getByRole('button', { name: 'Keluar' }).click();
    await page.waitForURL((url) => url.origin === h.sso.issuer);
    await page.getByRole('button', { name: 'Ya, keluar' }).click();
    await page.waitForURL((url) => url.origin === h.consoleUrl && url.pathname === '/masuk');
    expect(await page.getByTestId('sign-in').isVisible()).toBe(true);
    // Signed out of the SSO too: the next sign-in asks for the password again.
    await page.getByTestId('sign-in').click();
    await page.waitForURL((url) => url.origin === h.sso.issuer);
    expect(await page.locator('#password').isVisible()).toBe(true);
    expect(check.unexpected()).toEqual([]);
  }, 60_000);

  it('has a page check that does catch a console error and a missing asset', async () => {
    const { page, check } = await signedIn('ops');
    await page.evaluate(`console.error('sengaja'); document.body.insertAdjacentHTML('beforeend', '<img src="/static/tidak-ada.png">')`);
    await expect.poll(() => check.unexpected().length).toBeGreaterThanOrEqual(2);
    expect(check.unexpected().join('\n')).toContain('sengaja');
    expect(check.unexpected().join('\n')).toContain('tidak-ada.png');
  }, 60_000);
});
