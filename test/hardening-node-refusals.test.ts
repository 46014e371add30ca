import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.ts';
import { rawRequest } from './support/raw-http.ts';

/**
 * Issue 23, item 5: what Node refuses before the gateway sees a request (broken syntax, headers
 * over the limit) is answered as problem+json like every other refusal, on every listener.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

function problemOf(answer: string): Record<string, unknown> {
  return JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
}

describe('refusals Node makes itself', () => {
  it.each([
    ['a request line that is not HTTP', 'GET /sandbox/v1 NOT-HTTP\r\nHost: x', 400, 'BAD_REQUEST'],
    ['a header without a colon', 'GET /sandbox/v1 HTTP/1.1\r\nHost: x\r\nbroken header', 400, 'BAD_REQUEST'],
    ['headers over the limit', `GET /sandbox/v1 HTTP/1.1\r\nHost: x\r\nx-filler: ${'a'.repeat(20_000)}`, 431, 'REQUEST_HEADERS_TOO_LARGE'],
  ])('%s: problem+json with its code, on the internal and admin listeners', async (_what, head, status, code) => {
    for (const base of [h.url, h.adminUrl]) {
      const answer = await rawRequest(base, head);
      expect(answer).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(answer).toMatch(/\r\ncontent-type: application\/problem\+json\r\n/i);
      expect(answer).toMatch(/\r\nconnection: close\r\n/i);
      expect(problemOf(answer)).toMatchObject({ status, code, type: expect.stringContaining('/problems/') });
    }
  });
});
