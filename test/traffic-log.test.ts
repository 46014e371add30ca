import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../gateway/store/open.ts';
import { startSsoProvider, type SsoProvider } from '../gateway/demo/sso-provider.ts';
import { audience, startHarness, tempDir, testClients } from './support/harness.ts';
import { startPostgres, type PostgresServer } from './support/postgres.ts';
import { until } from './support/until.ts';

const route = '/sandbox/v1/perangkat-daerah/2.16';
let sso: SsoProvider;
beforeAll(async () => {
  sso = await startSsoProvider({ audience, clients: testClients });
});
afterAll(async () => {
  await sso?.close();
});

async function send(url: string, token: string, ids: string[]): Promise<void> {
  const results = await Promise.all(ids.map((id) => request(url).get(route).set('authorization', `Bearer ${token}`).set('x-request-id', id)));
  expect(results.map((r) => r.status)).toEqual(ids.map(() => 200));
}

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

describe('traffic log on PostgreSQL, with the database going down', () => {
  let pg: PostgresServer;
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => {
    await pg?.destroy();
  });

  it('keeps serving, spools every row to disk, replays them all, also across a gateway restart', async () => {
    const dataDir = tempDir();
    const config = { store: { url: pg.url } };
    const first = await startHarness({ sso, dataDir, config });
    const token = await first.token('app-reader');
    const sent: string[] = [];

    const before = ids('up', 20);
    await send(first.url, token, before);
    sent.push(...before);
    await first.flushTraffic();

    await pg.stop();
    const during = ids('down', 30);
    await send(first.url, token, during);
    sent.push(...during);
    await until(() => first.gateway.traffic.stats.spoolFiles > 0, Boolean, { what: 'rows to be spooled', timeoutMs: 15_000 });
    const ready = await request(first.adminUrl).get('/readyz');
    expect(ready.body.checks.store.ok).toBe(false);

    // More traffic, then the gateway stops while the database is still down: the queue goes to the spool.
    const atShutdown = ids('shutdown', 10);
    await send(first.url, token, atShutdown);
    sent.push(...atShutdown);
    await first.close();
    const spoolDir = join(dataDir, 'spool', 'traffic');
    const spoolFiles = readdirSync(spoolDir).filter((f) => f.endsWith('.ndjson'));
    expect(spoolFiles.length).toBeGreaterThan(0);
    const spooledRows = spoolFiles.reduce((sum, file) => sum + readFileSync(join(spoolDir, file), 'utf8').trim().split('\n').length, 0);

    // Database back, a new gateway on the same data dir replays everything.
    await pg.start();
    const second = await startHarness({ sso, dataDir, config });
    try {
      await until(() => readdirSync(spoolDir).filter((f) => f.endsWith('.ndjson')).length, (files) => files === 0, { what: 'the spool to drain', timeoutMs: 15_000 });
      // One line for the round that replayed every file, not one a file.
      const replayed = second.logs.lines.filter((line) => line.includes('spooled traffic log rows replayed')).map((line) => JSON.parse(line) as { rows: number; files: number });
      expect(replayed).toEqual([expect.objectContaining({ rows: spooledRows, files: spoolFiles.length })]);
      const rows = await second.gateway.store.db.selectFrom('traffic_log')
        .select((eb) => ['request_id', eb.fn.countAll<number>().as('n')])
        .where((eb) => eb.or([eb('request_id', 'like', 'up-%'), eb('request_id', 'like', 'down-%'), eb('request_id', 'like', 'shutdown-%')]))
        .groupBy('request_id').execute();
      expect(rows.length).toBe(sent.length);
      expect(rows.every((r) => r.n === 1)).toBe(true);
      expect(new Set(rows.map((r) => r.request_id))).toEqual(new Set(sent));
    } finally {
      await second.close();
    }
  });

  /** Every write under the spool directory fails from now on (ENOTDIR), as on a full disk; root ignores file modes. */
  function breakSpool(dataDir: string): () => void {
    const spoolDir = join(dataDir, 'spool', 'traffic');
    rmSync(spoolDir, { recursive: true, force: true });
    writeFileSync(spoolDir, 'not a directory');
    return () => {
      rmSync(spoolDir, { force: true });
      mkdirSync(spoolDir);
    };
  }

  const smallQueue = { trafficLog: { flushMs: 20, replaySeconds: 0.2, maxQueue: 10, batchSize: 5 } };

  it('store down and spool unwritable: served exchanges stay queued, new ones are refused once the queue is full (503, not ready), and all are recorded once the store is back', async () => {
    const h = await startHarness({ sso, config: { store: { url: pg.url }, public: { enabled: true, host: '127.0.0.1', port: 0 }, ...smallQueue } });
    try {
      const token = await h.token('app-reader');
      const repairSpool = breakSpool(h.dataDir);
      await pg.stop();
      const served: string[] = [];
      let refusal: request.Response | undefined;
      for (let i = 0; i < 40 && !refusal; i++) {
        const response = await request(h.url).get(route).set('authorization', `Bearer ${token}`).set('x-request-id', `full-${i}`);
        if (response.status === 200) served.push(`full-${i}`);
        else refusal = response;
      }
      expect(refusal?.status).toBe(503);
      expect(refusal?.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refusal?.body.code).toBe('TRAFFIC_LOG_UNAVAILABLE');
      expect(refusal?.headers['retry-after']).toBe('5');
      // The public listener's feed reads are exchanges too: refused alike.
      const feed = await fetch(`${h.gateway.public!.url}/jdihn/integrasi`);
      expect(feed.status).toBe(503);
      expect(((await feed.json()) as { code: string }).code).toBe('TRAFFIC_LOG_UNAVAILABLE');
      // Refused once the queue's limit (10) was reached, and not before (one more may have been let in
      // while the tenth exchange's row was still on its way to the queue).
      expect(served.length).toBeGreaterThanOrEqual(10);
      expect(served.length).toBeLessThanOrEqual(11);
      expect(h.upstream.hits).toBe(served.length);
      // Held rows count the batch on its way to the store too (flushes every 20 ms keep failing):
      // sampled for 300 ms, the figure (which also decides whether exchanges are taken) never dips.
      const samples = new Set<number>();
      for (const started = Date.now(); Date.now() - started < 300; await new Promise((resolve) => setTimeout(resolve, 1))) samples.add(h.gateway.traffic.stats.queued);
      expect([...samples]).toEqual([served.length]);
      const ready = await request(h.adminUrl).get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.checks.trafficLog.ok).toBe(false);
      expect(ready.body.checks.trafficLog.detail).toMatch(/^1[01] queued, 0 spool files; spool unwritable since .*; 2 exchanges refused$/);
      expect(h.logs.text).toContain('traffic log spool unwritable');

      // The store comes back first: the queue goes straight to it and exchanges are taken again.
      await pg.start();
      await until(() => h.gateway.traffic.accepting, Boolean, { what: 'the queue to reach the store', timeoutMs: 15_000 });
      const after = await request(h.url).get(route).set('authorization', `Bearer ${token}`).set('x-request-id', 'full-after');
      expect(after.status).toBe(200);
      served.push('full-after');
      await h.flushTraffic();
      const rows = await h.gateway.store.db.selectFrom('traffic_log')
        .select((eb) => ['request_id', eb.fn.countAll<number>().as('n')]).where('request_id', 'like', 'full-%').groupBy('request_id').execute();
      expect(Object.fromEntries(rows.map((r) => [r.request_id, r.n]))).toEqual(Object.fromEntries(served.map((id) => [id, 1])));
      // The writer failed every 20 ms while the store was down: one line then, one at the end.
      expect(h.logs.lines.filter((line) => line.includes('traffic log writing failed')).length).toBeGreaterThanOrEqual(1);
      expect(h.logs.lines.filter((line) => line.includes('traffic log writing failed')).length).toBeLessThanOrEqual(3);
      expect(h.logs.text).toContain('traffic log writing works again');

      // The disk is repaired: the next probe finds it writable, and readiness says so.
      expect((await request(h.adminUrl).get('/readyz')).body.checks.trafficLog.detail).toMatch(/spool unwritable/);
      repairSpool();
      await until(async () => (await request(h.adminUrl).get('/readyz')).body.checks.trafficLog.detail as string, (detail) => !detail.includes('unwritable'), { what: 'the spool probe', timeoutMs: 15_000 });
      expect(h.logs.text).toContain('traffic log spool writable again');
    } finally {
      await pg.start();
      await h.close();
    }
  });

  it('store down and spool unwritable at shutdown: the rows still queued go to the process log, each whole', async () => {
    const h = await startHarness({ sso, config: { store: { url: pg.url }, ...smallQueue } });
    const token = await h.token('app-reader');
    breakSpool(h.dataDir);
    await pg.stop();
    try {
      const sent = ids('last', 3);
      await send(h.url, token, sent);
      await h.close();
      const unsaved = h.logs.lines.map((line) => JSON.parse(line) as { msg: string; trafficRow?: { requestId: string; status: number } }).filter((line) => line.msg === 'traffic log row not saved (store and spool unavailable)');
      expect(unsaved.map((line) => line.trafficRow?.requestId).sort()).toEqual(sent);
      expect(unsaved.every((line) => line.trafficRow?.status === 200)).toBe(true);
    } finally {
      await pg.start();
    }
  });
});

describe('graceful shutdown', () => {
  it('lets an in-flight exchange finish, refuses new ones, and flushes its row', async () => {
    const dataDir = tempDir();
    const h = await startHarness({ sso, dataDir });
    const token = await h.token('app-reader');
    h.upstream.delayMs = 700;
    const inFlight = request(h.url).get(route).set('authorization', `Bearer ${token}`).set('x-request-id', 'drain-in-flight').then((r) => r);
    await until(() => h.gateway.internal.inFlight() > 0, Boolean, { what: 'the request to be in flight', timeoutMs: 15_000 });
    const closing = h.close();
    await expect(fetch(`${h.url}${route}`, { headers: { authorization: `Bearer ${token}`, connection: 'close' } })).rejects.toThrow();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.body.kode).toBe('2.16');
    await closing;

    // The store the gateway wrote to (the embedded one in its data dir, or its PostgreSQL).
    const store = await openStore(h.gateway.config);
    try {
      const rows = await store.db.selectFrom('traffic_log').select('status').where('request_id', '=', 'drain-in-flight').execute();
      expect(rows).toEqual([{ status: 200 }]);
    } finally {
      await store.close();
    }
  });
});

describe('spool replay', () => {
  it('sets an unreadable spool file aside and still replays the files behind it', async () => {
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const pino = (await import('pino')).default;
    const { TrafficLog } = await import('../gateway/traffic/traffic-log.ts');
    const dataDir = tempDir('spool-');
    const spoolDir = join(dataDir, 'spool', 'traffic');
    mkdirSync(spoolDir, { recursive: true });
    const row = (logId: string) => JSON.stringify({ logId, requestId: logId, at: new Date().toISOString(), listener: 'internal', method: 'GET', path: route, status: 200, totalMs: 1, bytesIn: 0, bytesOut: 2 });
    writeFileSync(join(spoolDir, '000000000000001-1-000000.ndjson'), `${row('00000000-0000-4000-8000-000000000001')}\n{"logId": "cut off`);
    writeFileSync(join(spoolDir, '000000000000002-1-000001.ndjson'), `${row('00000000-0000-4000-8000-000000000002')}\n`);
    // The rows replayed land in a real (embedded) store: what it holds afterwards is what was inserted.
    const store = await openStore({ dataDir, store: { url: null } });
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const traffic = new TrafficLog(store, { batchSize: 100, flushMs: 1000, maxQueue: 1000, replaySeconds: 60 }, dataDir, log);
    try {
      await traffic.replay();
      const inserted = await store.db.selectFrom('traffic_log').select('log_id').orderBy('seq').execute();
      expect(inserted.map(({ log_id }) => [log_id])).toEqual([['00000000-0000-4000-8000-000000000002']]);
    } finally {
      await store.close();
    }
    expect(readdirSync(spoolDir).sort()).toEqual(['000000000000001-1-000000.ndjson.unreadable']);
    expect(traffic.stats).toMatchObject({ replayed: 1, spoolFiles: 0 });
    expect(lines.join('')).toContain('spooled traffic log file unreadable');
  });
});
