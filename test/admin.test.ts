import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.ts';

let h: Harness;
let ops: string;

beforeAll(async () => {
  h = await startHarness();
  ops = await h.token('ops-console');
  const reader = await h.token('app-reader');
  const writer = await h.token('app-writer');
  for (let i = 0; i < 5; i++) await request(h.url).get('/sandbox/v1/perangkat-daerah/2.16').set('authorization', `Bearer ${reader}`).set('x-request-id', `adm-ok-${i}`);
  await request(h.url).get('/sandbox/v1/perangkat-daerah/9.99').set('authorization', `Bearer ${writer}`).set('x-request-id', 'adm-404-upstream');
  await request(h.url).get('/nowhere/v1/x').set('authorization', `Bearer ${writer}`).set('x-request-id', 'adm-no-contract');
  await h.flushTraffic();
});
afterAll(async () => {
  await h?.close();
});

const traffic = (query = '') => request(h.adminUrl).get(`/admin/v1/traffic${query}`).set('authorization', `Bearer ${ops}`);

describe('GET /admin/v1/traffic', () => {
  it('needs a token with an ops role', async () => {
    const none = await request(h.adminUrl).get('/admin/v1/traffic');
    expect(none.status).toBe(401);
    expect(none.body.code).toBe('TOKEN_MISSING');
    const pd = await request(h.adminUrl).get('/admin/v1/traffic').set('authorization', `Bearer ${await h.token('app-writer')}`);
    expect(pd.status).toBe(403);
    expect(pd.body.code).toBe('FORBIDDEN_ROLE');
    expect(pd.headers['content-type']).toMatch(/problem\+json/);
  });

  it('filters by consumer, contract, status, code and request id', async () => {
    const byConsumer = await traffic('?consumer=app-reader');
    expect(byConsumer.status).toBe(200);
    expect(byConsumer.body.items.length).toBe(5);
    expect(byConsumer.body.items.every((r: { consumer: string }) => r.consumer === 'app-reader')).toBe(true);

    expect((await traffic('?status=404')).body.items.map((r: { requestId: string }) => r.requestId).sort()).toEqual(['adm-404-upstream', 'adm-no-contract']);
    expect((await traffic('?status=4xx&contract=sandbox-direktori')).body.items.map((r: { requestId: string }) => r.requestId)).toEqual(['adm-404-upstream']);
    expect((await traffic('?code=CONTRACT_NOT_FOUND')).body.items.map((r: { requestId: string }) => r.requestId)).toEqual(['adm-no-contract']);
    const one = await traffic('?requestId=adm-ok-3');
    expect(one.body.items).toHaveLength(1);
    expect(one.body.items[0]).toMatchObject({ requestId: 'adm-ok-3', status: 200, operation: 'getUnit', listener: 'internal' });
  });

  it('filters by time window', async () => {
    const future = new Date(Date.now() + 3600_000).toISOString();
    expect((await traffic(`?from=${future}`)).body.items).toEqual([]);
    const all = (await traffic(`?to=${future}`)).body.items.length;
    expect(all).toBeGreaterThanOrEqual(7);
  });

  it('pages with a cursor, newest first, without repeats or gaps', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: request.Response = await traffic(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((r: { logId: string }) => r.logId));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 20);
    const everything = (await traffic('?limit=1000')).body.items.map((r: { logId: string }) => r.logId);
    expect(seen).toEqual(everything);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('refuses bad filters with BAD_REQUEST', async () => {
    for (const query of ['?limit=0', '?limit=abc', '?status=teapot', '?from=yesterday', '?cursor=%%%']) {
      const res = await traffic(query);
      expect(res.status, query).toBe(400);
      expect(res.body.code).toBe('BAD_REQUEST');
    }
  });
});

describe('health', () => {
  it('/healthz and /readyz answer on every listener, with the checks behind readiness on the admin listener only', async () => {
    for (const base of [h.url, h.adminUrl]) {
      expect((await request(base).get('/healthz')).body).toEqual({ status: 'ok' });
      expect((await request(base).get('/readyz')).status).toBe(200);
    }
    const detail = await request(h.adminUrl).get('/readyz');
    expect(detail.body.checks.sso.ok).toBe(true);
    expect(detail.body.checks.store.ok).toBe(true);
    expect(detail.body.checks.registry.detail).toMatch(/^revision \d+/);
    // Registry revision, queues and the limiter backend are not for PD applications or partners.
    expect((await request(h.url).get('/readyz')).body).toEqual({ status: 'ready' });
  });

  it('unknown admin paths are problem+json 404', async () => {
    const res = await request(h.adminUrl).get('/admin/v1/nothing');
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('NOT_FOUND');
  });
});

// Last: its exchanges would change the counts above.
describe('exchange ids', () => {
  it('tells two callers\' exchanges apart when they send the same X-Request-Id', async () => {
    const tokens = [await h.token('app-reader'), await h.token('app-writer')];
    const sent = await Promise.all(tokens.map((token) => request(h.url).get('/sandbox/v1/perangkat-daerah/2.16').set('authorization', `Bearer ${token}`).set('x-request-id', 'same-id-by-two-callers')));
    const exchangeIds = sent.map((res) => res.headers['penghubung-exchange-id'] as string);
    expect(sent.map((res) => res.headers['x-request-id'])).toEqual(['same-id-by-two-callers', 'same-id-by-two-callers']);
    expect(exchangeIds.every((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id))).toBe(true);
    expect(new Set(exchangeIds).size).toBe(2);
    await h.gateway.traffic.flush();
    const shared = await traffic('?requestId=same-id-by-two-callers');
    expect(shared.body.items).toHaveLength(2);
    for (const [i, exchangeId] of exchangeIds.entries()) {
      const own = await traffic(`?exchangeId=${exchangeId}`);
      expect(own.body.items).toHaveLength(1);
      expect(own.body.items[0]).toMatchObject({ logId: exchangeId, requestId: 'same-id-by-two-callers', consumer: ['app-reader', 'app-writer'][i] });
    }
    const refused = await request(h.url).get('/nowhere/v1/x').set('authorization', `Bearer ${tokens[0]!}`).set('x-request-id', 'same-id-by-two-callers');
    expect(refused.body).toMatchObject({ instance: 'same-id-by-two-callers', exchangeId: refused.headers['penghubung-exchange-id'] });
    expect((await traffic('?exchangeId=not-a-uuid')).body.code).toBe('BAD_REQUEST');
  });
});
