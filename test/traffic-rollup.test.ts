import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadContractFile } from '../gateway/registry/load-contracts.ts';
import { openStore } from '../gateway/store/open.ts';
import type { Store } from '../gateway/store/store.ts';
import { summarisePeriod } from '../gateway/traffic/period-summary.ts';
import { queryTraffic } from '../gateway/traffic/query.ts';
import { TrafficRollup } from '../gateway/traffic/rollup.ts';
import { trafficBulkColumns, trafficValues, type TrafficRow } from '../gateway/traffic/row.ts';
import { servicesOf, serviceLevels, type ServiceTarget } from '../gateway/traffic/service-levels.ts';
import { startHarness, tempDir } from './support/harness.ts';
import { storeOnPostgres } from './support/postgres-store.ts';

/** Run by both projects (vitest.config.ts): the embedded store, or with PENGHUBUNG_TEST_STORE=postgres a real PostgreSQL. */
const onPostgres = process.env.PENGHUBUNG_TEST_STORE === 'postgres';
const silent = pino({ level: 'silent' });
const minute = 60_000;
const hour = 60 * minute;

function theStore(): { readonly store: Store } {
  if (onPostgres) return storeOnPostgres();
  const running = {} as { store: Store };
  beforeAll(async () => {
    running.store = await openStore({ dataDir: tempDir('rollup-'), store: { url: null } });
  });
  afterAll(async () => {
    await running.store?.close();
  });
  return running;
}

let made = 0;
function row(at: number, fields: Partial<TrafficRow> = {}): TrafficRow {
  made += 1;
  return {
    logId: randomUUID(), requestId: `rollup-${made}`, at: new Date(at).toISOString(), listener: 'internal', consumer: 'app-a', contract: 'c-alpha',
    operation: 'getThing', method: 'GET', path: '/alpha/v1/things/1', status: 200, errorCode: null, totalMs: 10, upstreamMs: 8,
    bytesIn: 0, bytesOut: 100, requestSha256: null, responseSha256: null, clientAddress: '127.0.0.1', traceId: null,
    partner: null, agreement: null, certFingerprint: null, ...fields,
  };
}

/** A spread of latencies from 0.05 ms to about 20 s, the same on every run. */
function latency(i: number): number {
  const x = Math.sin(i * 12.9898) * 43758.5453;
  return Math.round(0.05 * Math.exp((x - Math.floor(x)) * 13) * 1000) / 1000;
}

/** Nearest-rank percentile, as the estimate is defined (latency-histogram.ts). */
function exactPercentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1]!;
}

/** Within the histogram's bound: a factor 1.2 either way (and a microsecond of rounding). */
function expectWithinBound(estimate: number | null, exact: number): void {
  expect(estimate).not.toBeNull();
  expect(estimate!).toBeGreaterThanOrEqual(exact / 1.2 - 0.001);
  expect(estimate!).toBeLessThanOrEqual(exact * 1.2 + 0.001);
}

const rollupAt = (store: Store, now: number, options = {}) => new TrafficRollup(store, silent, { settleSeconds: 0, now: () => new Date(now), ...options });

async function rollAll(rollup: TrafficRollup): Promise<number> {
  let total = 0;
  for (let rolled = await rollup.runOnce(); rolled > 0; rolled = await rollup.runOnce()) total += rolled;
  return total;
}

const append = (store: Store, rows: TrafficRow[]) => store.appendRows('traffic_log', trafficBulkColumns, rows.map(trafficValues));

describe(`traffic rollups and the services view (${onPostgres ? 'PostgreSQL' : 'embedded store'})`, () => {
  const running = theStore();
  beforeEach(async () => {
    const { db } = running.store;
    for (const table of ['traffic_log', 'traffic_minutes', 'traffic_hours', 'traffic_caller_hours'] as const) await db.deleteFrom(table).execute();
    await db.updateTable('traffic_rollup_state').set({ rolled_seq: 0 }).execute();
  });

  const now = Date.parse('2026-11-20T10:30:20Z');
  const noTargets = { upstreamOf: () => null, targetOf: () => null };

  it('counts every row once, late rows too, and estimates percentiles within the documented bound', async () => {
    const { store } = running;
    const alpha = Array.from({ length: 1200 }, (_, i) => row(now - 50 * minute + i * 2000, {
      totalMs: latency(i),
      ...(i % 125 === 0 ? { status: 504, errorCode: 'UPSTREAM_TIMEOUT' } : i % 100 === 1 ? { status: 429, errorCode: 'RATE_LIMITED' } : i % 150 === 2 ? { status: 422, errorCode: 'CONTRACT_VALIDATION_FAILED' } : {}),
    }));
    const beta = Array.from({ length: 300 }, (_, i) => row(now - 40 * minute + i * 5000, {
      contract: 'c-beta', listener: 'external', consumer: null, partner: 'bank-a', totalMs: 40 + (i % 7),
      ...(i % 60 === 0 ? { status: 429, errorCode: 'QUOTA_EXCEEDED' } : {}),
    }));
    await append(store, [...alpha, ...beta]);
    const rollup = rollupAt(store, now, { chunkRows: 400 });
    expect(await rollAll(rollup)).toBe(1500);
    expect(await rollup.runOnce()).toBe(0);

    // Each minute bucket holds exactly the rows of its minute.
    const minutes = await store.db.selectFrom('traffic_minutes').select(['bucket', 'contract', 'volume', 'server_errors', 'client_errors']).where('contract', '=', 'c-alpha').orderBy('bucket').execute();
    const expected = new Map<number, { volume: number; server: number; client: number }>();
    for (const r of alpha) {
      const bucket = Math.floor(Date.parse(r.at) / minute) * 60;
      const counts = expected.get(bucket) ?? { volume: 0, server: 0, client: 0 };
      counts.volume += 1;
      if (r.status >= 500) counts.server += 1;
      else if (r.status >= 400) counts.client += 1;
      expected.set(bucket, counts);
    }
    expect(minutes.map((m) => [Number(m.bucket), Number(m.volume), Number(m.server_errors), Number(m.client_errors)]))
      .toEqual([...expected].map(([bucket, c]) => [bucket, c.volume, c.server, c.client]));

    const exact = alpha.map((r) => r.totalMs);
    const targetOf = (id: string): ServiceTarget | null => id === 'c-alpha'
      ? { availability: 99, latencyP95Ms: Math.ceil(exactPercentile(exact, 0.95) * 2) }
      : { availability: 99.5, latencyP95Ms: 10 };
    const view = await serviceLevels(store, { window: 'hour', now: new Date(now), upstreamOf: () => null, targetOf });
    const alphaLevel = view.contracts.find((c) => c.key === 'c-alpha')!;
    const fivexx = alpha.filter((r) => r.status >= 500).length;
    expect(alphaLevel).toMatchObject({
      volume: 1200, errors5xx: fivexx, errors4xx: alpha.filter((r) => r.status >= 400 && r.status < 500).length,
      errorRate: fivexx / 1200, availability: 1 - fivexx / 1200,
      refusals: { rateLimited: alpha.filter((r) => r.errorCode === 'RATE_LIMITED').length, quotaExceeded: 0 },
      compliant: { availability: true, latency: true },
    });
    for (const [p, key] of [[0.5, 'p50'], [0.95, 'p95'], [0.99, 'p99']] as const) expectWithinBound(alphaLevel.latency[key], exactPercentile(exact, p));
    const betaLevel = view.contracts.find((c) => c.key === 'c-beta')!;
    expect(betaLevel).toMatchObject({ volume: 300, refusals: { rateLimited: 0, quotaExceeded: 5 }, compliant: { availability: true, latency: false } });

    // Rows written late (spooled, replayed): a higher seq, an older time, still counted, once.
    const late = Array.from({ length: 10 }, (_, i) => row(now - 55 * minute + i, { status: 502, errorCode: 'UPSTREAM_UNAVAILABLE' }));
    await append(store, late);
    expect(await rollAll(rollup)).toBe(10);
    expect(await rollAll(rollup)).toBe(0);
    const [lateMinute] = await store.db.selectFrom('traffic_minutes').select(['volume', 'server_errors']).where('contract', '=', 'c-alpha')
      .where('bucket', '=', Math.floor((now - 55 * minute) / minute) * 60).execute();
    expect(lateMinute).toMatchObject({ volume: 10, server_errors: 10 });
    const after = await serviceLevels(store, { window: 'hour', now: new Date(now), ...noTargets });
    expect(after.contracts.find((c) => c.key === 'c-alpha')).toMatchObject({ volume: 1210, errors5xx: fivexx + 10 });
    const hours = await store.db.selectFrom('traffic_hours').select((eb) => eb.fn.sum<number>('volume').as('volume')).executeTakeFirst();
    expect(Number(hours!.volume)).toBe(1510);
  });

  it('shows rows not yet rolled at once, and counts none twice while the rollup catches up', async () => {
    const { store } = running;
    const rows = Array.from({ length: 900 }, (_, i) => row(now - 20 * minute + i * 1000, { totalMs: 5 + (i % 50), ...(i % 90 === 0 ? { status: 503, errorCode: 'UPSTREAM_CIRCUIT_OPEN' } : {}) }));
    await append(store, rows);
    const view = () => serviceLevels(store, { window: 'hour', now: new Date(now), ...noTargets }).then((v) => v.contracts.find((c) => c.key === 'c-alpha')!);
    const unrolled = await view();
    expect(unrolled).toMatchObject({ volume: 900, errors5xx: 10 });
    // Part rolled, part not: the same figures.
    await rollupAt(store, now, { chunkRows: 200, maxRowsPerRun: 400 }).runOnce();
    expect(Number((await store.db.selectFrom('traffic_rollup_state').select('rolled_seq').executeTakeFirstOrThrow()).rolled_seq)).toBeGreaterThan(0);
    const half = await view();
    expect(half).toEqual(unrolled);
    await rollAll(rollupAt(store, now));
    expect(await view()).toEqual(unrolled);
    // The series adds up to the totals, one point a minute, no p95 where no traffic.
    expect(unrolled.series.at).toHaveLength(60);
    expect(unrolled.series.volume.reduce((a, b) => a + b, 0)).toBe(900);
    expect(unrolled.series.errors.reduce((a, b) => a + b, 0)).toBe(10);
    expect(unrolled.series.p95[0]).toBeNull();
    expect(unrolled.series.p95.map((p) => p !== null)).toEqual(unrolled.series.volume.map((v) => v > 0));
    expect(unrolled.series.volume.filter((v) => v > 0)).toHaveLength(16);
  });

  it('counts every row once when the job commits between two pages of a read', async () => {
    const { store } = running;
    await append(store, Array.from({ length: 2000 }, (_, i) => row(now - 20 * hour + i * 36_000, { totalMs: 20 })));
    await rollupAt(store, now, { chunkRows: 200, maxRowsPerRun: 600 }).runOnce();
    let reads = 0;
    // The rest is rolled while the view is between its second and third page (of three hours each).
    const racing: Pick<Store, 'db' | 'read'> = {
      db: store.db,
      async read(query) {
        if (++reads === 3) await rollAll(rollupAt(store, now));
        return store.read(query);
      },
    };
    const view = await serviceLevels(racing, { window: 'day', now: new Date(now), ...noTargets });
    expect(reads).toBeGreaterThan(3);
    expect(view.contracts.map((c) => [c.key, c.volume])).toEqual([['c-alpha', 2000]]);
    expect(await serviceLevels(store, { window: 'day', now: new Date(now), ...noTargets })).toEqual(view);
  });

  it('two rollups at once (two instances) still count every row once', async () => {
    const { store } = running;
    await append(store, Array.from({ length: 2000 }, (_, i) => row(now - 30 * minute + i * 500)));
    const [a, b] = [rollupAt(store, now, { chunkRows: 150 }), rollupAt(store, now, { chunkRows: 150 })];
    await Promise.all([rollAll(a), rollAll(b), rollAll(a), rollAll(b)]);
    const [sum] = await store.db.selectFrom('traffic_hours').select((eb) => eb.fn.sum<number>('volume').as('volume')).execute();
    expect(Number(sum!.volume)).toBe(2000);
  });

  it('sums contracts per upstream, lists idle contracts, and uses hourly buckets for the week and the month', async () => {
    const { store } = running;
    await append(store, [
      ...Array.from({ length: 30 }, (_, i) => row(now - 3 * hour + i * minute, { contract: 'c-one', totalMs: 100 })),
      ...Array.from({ length: 20 }, (_, i) => row(now - 5 * 24 * hour + i * minute, { contract: 'c-two', totalMs: 300, status: i < 2 ? 500 : 200, errorCode: i < 2 ? 'INTERNAL_ERROR' : null })),
    ]);
    await rollAll(rollupAt(store, now));
    const upstreamOf = (id: string) => (id === 'c-one' || id === 'c-two' ? 'shared' : null);
    const targetOf = () => ({ availability: 99.5, latencyP95Ms: 1000 });
    const week = await serviceLevels(store, { window: 'week', now: new Date(now), upstreamOf, targetOf, contracts: ['c-idle'] });
    expect(week.bucketSeconds).toBe(3600);
    expect(week.contracts.map((c) => [c.key, c.volume, c.upstream])).toEqual([['c-idle', 0, null], ['c-one', 30, 'shared'], ['c-two', 20, 'shared']]);
    expect(week.contracts[0]).toMatchObject({ availability: null, latency: { p50: null, p95: null, p99: null }, compliant: { availability: null, latency: null } });
    expect(week.contracts[2]).toMatchObject({ errors5xx: 2, availability: 0.9, compliant: { availability: false, latency: true } });
    expect(week.upstreams).toEqual([expect.objectContaining({ key: 'shared', upstream: null, volume: 50, errors5xx: 2, target: null })]);
    expect(week.upstreams[0]!.series.volume.reduce((a, b) => a + b, 0)).toBe(50);
    expectWithinBound(week.upstreams[0]!.latency.p50, 100);
    const month = await serviceLevels(store, { window: 'month', now: new Date(now), upstreamOf, targetOf });
    expect(month.contracts.map((c) => c.volume)).toEqual([30, 20]);
    expect(month.contracts[0]!.series.at).toHaveLength(720);
    const day = await serviceLevels(store, { window: 'day', now: new Date(now), upstreamOf, targetOf });
    expect(day.bucketSeconds).toBe(300);
    expect(day.contracts.map((c) => [c.key, c.volume])).toEqual([['c-one', 30]]);
  });

  it('summarises a period by contract, consumer and partner: part hours, rows not yet rolled, breaches and top errors', async () => {
    const { store } = running;
    const at = (time: string) => Date.parse(`2026-11-20T${time}Z`);
    const rows: TrafficRow[] = [
      // Outside the period [10:20, 13:40): not counted.
      row(at('10:19:59'), { consumer: 'app-a' }), row(at('13:40:00'), { consumer: 'app-a' }),
      // A part hour at the start, whole hours, a part hour at the end.
      ...Array.from({ length: 40 }, (_, i) => row(at('10:20:00') + i * 1000, { consumer: 'app-a', totalMs: 50 })),
      // 11:00-12:00: app-a's calls to c-alpha fail: 5 of 50 answered 5xx (target 99.5 %).
      ...Array.from({ length: 50 }, (_, i) => row(at('11:00:00') + i * 1000, { consumer: 'app-a', totalMs: 50, ...(i < 5 ? { status: 502, errorCode: 'UPSTREAM_UNAVAILABLE' } : {}) })),
      ...Array.from({ length: 30 }, (_, i) => row(at('11:10:00') + i * 1000, { consumer: 'app-b', totalMs: 60, ...(i < 3 ? { status: 400, errorCode: 'MALFORMED_JSON' } : {}) })),
      // 12:00-13:00: c-beta by a partner, too slow for its target.
      ...Array.from({ length: 20 }, (_, i) => row(at('12:00:00') + i * 1000, { contract: 'c-beta', consumer: null, partner: 'bank-a', listener: 'external', totalMs: 900 })),
      ...['RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED', 'TOKEN_EXPIRED', 'TOKEN_EXPIRED', 'SCOPE_DENIED', 'NOT_FOUND', 'CONTRACT_NOT_FOUND']
        .map((code, i) => row(at('13:30:00') + i * 1000, { consumer: 'app-b', status: 429, errorCode: code, contract: code === 'CONTRACT_NOT_FOUND' ? null : 'c-alpha' })),
    ];
    await append(store, rows.slice(0, 100));
    await rollAll(rollupAt(store, at('13:45:00')));
    await append(store, rows.slice(100));
    const targetOf = (id: string): ServiceTarget | null => (id === 'c-alpha' ? { availability: 99.5 } : id === 'c-beta' ? { latencyP95Ms: 500 } : null);
    const summary = await summarisePeriod(store, { from: new Date(at('10:20:00')), to: new Date(at('13:40:00')), targetOf });

    expect(summary.byContract.map((r) => [r.key, r.volume, r.breaches])).toEqual([['c-alpha', 127, 1], ['c-beta', 20, 1]]);
    expect(summary.byConsumer.map((r) => [r.key, r.volume, r.breaches])).toEqual([['app-a', 90, 1], ['app-b', 38, 0]]);
    expect(summary.byPartner.map((r) => [r.key, r.volume, r.breaches])).toEqual([['bank-a', 20, 1]]);
    expect(summary.byConsumer[0]).toMatchObject({ availability: 85 / 90, topErrors: [{ code: 'UPSTREAM_UNAVAILABLE', count: 5 }] });
    expect(summary.byConsumer[1]!.topErrors).toEqual([
      { code: 'MALFORMED_JSON', count: 3 }, { code: 'RATE_LIMITED', count: 3 }, { code: 'TOKEN_EXPIRED', count: 2 }, { code: 'CONTRACT_NOT_FOUND', count: 1 }, { code: 'NOT_FOUND', count: 1 },
    ]);
    expectWithinBound(summary.byPartner[0]!.latency.p95, 900);
    // All of it rolled: the same report.
    await rollAll(rollupAt(store, at('13:45:00')));
    expect(await summarisePeriod(store, { from: new Date(at('10:20:00')), to: new Date(at('13:40:00')), targetOf })).toEqual(summary);
    // Within one hour: read from the log alone.
    const short = await summarisePeriod(store, { from: new Date(at('11:00:10')), to: new Date(at('11:20:00')), targetOf });
    expect(short.byConsumer.map((r) => [r.key, r.volume])).toEqual([['app-a', 40], ['app-b', 30]]);
  });

  // PostgreSQL takes sequence numbers at insert, not at commit, so a lower one may still be on its
  // way: it rolls only what was the newest row a settling time ago. SQLite commits one writer at a
  // time, so every row it shows is final and rolls at once.
  it('rolls at once on the embedded store, and on PostgreSQL only what was the newest row a settling time ago', async () => {
    const { store } = running;
    let clock = now;
    const rollup = new TrafficRollup(store, silent, { settleSeconds: 30, now: () => new Date(clock) });
    await append(store, Array.from({ length: 5 }, (_, i) => row(now - i * 1000)));
    expect(await rollup.runOnce()).toBe(onPostgres ? 0 : 5);
    await append(store, Array.from({ length: 3 }, (_, i) => row(now - i * 1000)));
    clock += 31_000;
    expect(await rollup.runOnce()).toBe(onPostgres ? 5 : 3);
    clock += 31_000;
    expect(await rollup.runOnce()).toBe(onPostgres ? 3 : 0);
  });

  it('searches the traffic log by operation, listener and status class', async () => {
    const { store } = running;
    await append(store, [
      row(now - 5000, { operation: 'getThing', status: 200 }),
      row(now - 4000, { operation: 'putThing', status: 404, errorCode: null }),
      row(now - 3000, { operation: 'putThing', status: 503, errorCode: 'UPSTREAM_BUSY', listener: 'external', consumer: null, partner: 'bank-a' }),
      row(now - 2000, { operation: 'getThing', status: 502, errorCode: 'UPSTREAM_UNAVAILABLE' }),
      row(now - 1000, { operation: 'getThing', status: 301 }),
    ]);
    const statuses = async (filter: Parameters<typeof queryTraffic>[1]) => (await queryTraffic(store, filter)).items.map((r) => r.status);
    expect(await statuses({ contract: 'c-alpha', operation: 'putThing' })).toEqual([503, 404]);
    expect(await statuses({ listener: 'external' })).toEqual([503]);
    expect(await statuses({ status: '5xx' })).toEqual([502, 503]);
    expect(await statuses({ status: '4xx' })).toEqual([404]);
    expect(await statuses({ status: '404' })).toEqual([404]);
    expect(await statuses({ status: '3xx' })).toEqual([301]);
    expect(await statuses({ status: '5xx', operation: 'getThing', limit: '1' })).toEqual([502]);
    // A window that ends in the past, with a row written late into it (an older time, the highest seq).
    await append(store, [row(now - 3500, { status: 202 })]);
    const iso = (ms: number) => new Date(ms).toISOString();
    expect(await statuses({ from: iso(now - 6000), to: iso(now - 2500) })).toEqual([202, 503, 404, 200]);
    expect(await statuses({ from: iso(now - 6000), to: iso(now - 3800) })).toEqual([404, 200]);
    expect(await statuses({ to: iso(now - 3800) })).toEqual([404, 200]);
    expect(await statuses({ to: iso(now - 3800), status: '4xx' })).toEqual([404]);
    expect(await statuses({ from: iso(now - 100), to: iso(now) })).toEqual([]);
  });
});

describe('declared service levels', () => {
  it('flow from the contract file to the services view\'s targets and upstreams', () => {
    const contract = loadContractFile(fileURLToPath(new URL('../contracts/sandbox/direktori.yaml', import.meta.url)));
    expect(contract.serviceLevel).toEqual({ availability: 99, latencyP95Ms: 1000 });
    const services = servicesOf([{ contract }, { contract: { ...contract, id: 'other', upstream: undefined, serviceLevel: undefined } }]);
    expect(services.contracts).toEqual(['other', 'sandbox-direktori']);
    expect(services.targetOf('sandbox-direktori')).toEqual({ availability: 99, latencyP95Ms: 1000 });
    expect(services.upstreamOf('sandbox-direktori')).toBe('sandbox');
    expect([services.targetOf('other'), services.upstreamOf('other'), services.targetOf('unknown')]).toEqual([null, null, null]);
  });
});

describe('in the gateway', () => {
  it('runs the rollup beside the traffic log; an exchange shows in the services view at once, against its contract\'s target, and the admin API filters by operation and listener', async () => {
    const h = await startHarness();
    try {
      expect(h.gateway.rollup).toBeInstanceOf(TrafficRollup);
      const token = await h.token('app-reader');
      await request(h.url).get('/sandbox/v1/perangkat-daerah/2.16').set('authorization', `Bearer ${token}`).set('x-request-id', 'rollup-e2e').expect(200);
      await h.flushTraffic();
      const services = servicesOf(h.gateway.registry.current.routes);
      const view = await serviceLevels(h.gateway.store, { window: 'hour', ...services });
      expect(view.contracts.find((c) => c.key === 'sandbox-direktori')).toMatchObject({
        volume: 1, upstream: 'sandbox', availability: 1, target: { availability: 99, latencyP95Ms: 1000 }, compliant: { availability: true },
      });
      expect(view.upstreams.find((u) => u.key === 'sandbox')).toMatchObject({ volume: 1 });

      const ops = await h.token('ops-console');
      const search = (query: string) => request(h.adminUrl).get(`/admin/v1/traffic?${query}`).set('authorization', `Bearer ${ops}`);
      const found = await search('operation=getUnit&listener=internal&status=2xx');
      expect(found.status).toBe(200);
      expect(found.body.items.map((row: { requestId: string }) => row.requestId)).toEqual(['rollup-e2e']);
      expect((await search('listener=external')).body.items).toEqual([]);
    } finally {
      await h.close();
    }
  });
});
