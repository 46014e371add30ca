import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.ts';

/**
 * Issue 23, item 5: the path forwarded is the path the route matched. The router reads past
 * empty segments and percent-encodings; the upstream must get the operation's path as matched,
 * not the caller's raw text, and dot segments (which a normaliser further on would resolve to
 * another path) are refused.
 */

let h: Harness;
let reader: string;
beforeAll(async () => {
  h = await startHarness();
  reader = await h.token('app-reader');
});
afterAll(async () => {
  await h?.close();
});

describe('the path forwarded', () => {
  it.each([
    ['empty segments', '/sandbox/v1//perangkat-daerah//2.16/'],
    ['an encoded static segment', '/sandbox/v1/perangkat%2Ddaerah/2.16'],
    ['an encoded parameter', '/sandbox/v1/perangkat-daerah/2%2E16'],
  ])('is the matched path for %s', async (_what, path) => {
    const res = await request(h.url).get(`${path}?q=1`).set('authorization', `Bearer ${reader}`);
    expect(res.status).toBe(200);
    expect(h.upstream.lastRequest!.url).toBe('/api/perangkat-daerah/2.16?q=1');
  });

  it.each([
    '/sandbox/v1/perangkat-daerah/../perangkat-daerah',
    '/sandbox/v1/perangkat-daerah/%2e%2e/perangkat-daerah',
    '/sandbox/v1/perangkat-daerah/./2.16',
    '/sandbox/v1/perangkat-daerah/%2E',
  ])('refuses dot segments with 400 and sends nothing upstream: %s', async (path) => {
    const before = h.upstream.hits;
    const res = await request(h.url).get(path).set('authorization', `Bearer ${reader}`);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.body).toMatchObject({ code: 'BAD_REQUEST', detail: expect.stringContaining('".."') });
    expect(h.upstream.hits).toBe(before);
  });
});
