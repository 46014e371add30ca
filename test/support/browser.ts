import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (installed by the test set-up), headless, driven by playwright-core: no browser download. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/**
 * Everything that went wrong on a page while a test used it: console errors, uncaught
 * exceptions, requests that failed, and sub-resources (styles, scripts, pictures, fonts) answered
 * with an error. A test asserts the list empty, allowing only what it caused on purpose.
 */
export class PageCheck {
  readonly problems: string[] = [];

  constructor(page: Page) {
    page.on('console', (message) => {
      if (message.type() === 'error') this.problems.push(`console: ${message.text()} (${message.location().url})`);
    });
    page.on('pageerror', (error) => this.problems.push(`exception: ${error.message}`));
    page.on('requestfailed', (request) => {
      // Leaving a page cuts what it still loads (its live tail's stream, an icon): not a failure.
      // A missing asset is an error answer, caught below.
      if (request.failure()?.errorText === 'net::ERR_ABORTED') return;
      this.problems.push(`request failed: ${request.url()} (${request.failure()?.errorText ?? '?'})`);
    });
    page.on('response', (response) => {
      const type = response.request().resourceType();
      if (response.status() >= 400 && ['stylesheet', 'script', 'image', 'font', 'fetch', 'xhr', 'eventsource'].includes(type)) {
        this.problems.push(`asset ${response.status()}: ${response.url()}`);
      }
    });
  }

  /** The problems not matching `allowed` (what the test caused on purpose). */
  unexpected(...allowed: RegExp[]): string[] {
    return this.problems.filter((problem) => !allowed.some((pattern) => pattern.test(problem)));
  }
}
