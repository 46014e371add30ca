/**
 * Load test of issue 6 (item 7): a burst from three consumers at once through the gateway
 * (autocannon, a fixed number of requests each, a few seconds in all). Each consumer is held to
 * its own limit (a noisy one with a tight rate does not starve the others), the gateway answers
 * nothing but 200 and 429 (no 5xx of its own, no errors or timeouts), and the traffic log holds
 * one row per request sent, none lost.
 */
import { rmSync } from 'node:fs';
import autocannon from 'autocannon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertConsumers } from '../gateway/registry/repository.ts';
import { startHarness, tempDir, type Harness } from './support/harness.ts';
import { writeChaosContract } from './support/chaos.ts';
import { startChaosUpstream, type ChaosUpstream } from './support/chaos-upstreams.ts';

const contract = 'load-items';
/** Per consumer: its rate for the contract and the requests it sends. */
const consumers = {
  // Tight: 10 per 500 ms window. Refusals are cheap, so it sends the most and keeps on for the whole run.
  noisy: { clientId: 'app-writer', rule: { rps: 20, burst: 10 }, amount: 4000 },
  // Its own limit may bite under full load: 100 per 500 ms window.
  moderate: { clientId: 'app-load', rule: { rps: 200, burst: 100 }, amount: 1500 },
  // Far above what the gateway can serve here: never refused.
  quiet: { clientId: 'app-reader', rule: { rps: 100_000, burst: 1_000_000 }, amount: 2500 },
} as const;
type Name = keyof typeof consumers;

describe('load: a burst from several consumers', () => {
  let h: Harness;
  let upstream: ChaosUpstream;
  let contracts = '';

  beforeAll(async () => {
    upstream = await startChaosUpstream();
    contracts = tempDir('load-contracts-');
    writeChaosContract(contracts, { name: contract, upstreamUrl: upstream.url, timeoutMs: 5000 });
    h = await startHarness({
      contractDirs: [contracts],
      clients: [{ clientId: 'app-load', secret: 'load-secret-0123456789ab', scopes: ['sandbox.read'], consumer: { name: 'Load', department: 'Bappeda', clearance: 'publik' } }],
    });
    await upsertConsumers(h.gateway.store, [
      { clientId: 'app-writer', name: 'Writer', department: 'BKPSDM', clearance: 'terbatas', limits: { [contract]: consumers.noisy.rule } },
      { clientId: 'app-load', name: 'Load', department: 'Bappeda', clearance: 'publik', limits: { [contract]: consumers.moderate.rule } },
      { clientId: 'app-reader', name: 'Reader', department: 'Dinkes', clearance: 'publik', limits: { [contract]: consumers.quiet.rule } },
    ]);
    await h.gateway.registry.refresh();
  }, 60_000);

  afterAll(async () => {
    await h?.close();
    await upstream?.close();
    if (contracts) rmSync(contracts, { recursive: true, force: true });
  });

  it('holds each consumer to its own limit, answers only 200 or 429, and logs every request once', async () => {
    const tokens = Object.fromEntries(await Promise.all(Object.entries(consumers).map(async ([name, c]) => [name, await h.token(c.clientId)] as const))) as Record<Name, string>;
    const started = performance.now();
    const runs = await Promise.all((Object.keys(consumers) as Name[]).map((name) => {
      // `amount` (exactly this many requests, all awaited) is an autocannon option the bench's typings leave out.
      const options: autocannon.Options & { amount: number } = {
        url: `${h.url}/${contract}/v1/items/item-1`,
        headers: { authorization: `Bearer ${tokens[name]}` },
        connections: 8,
        pipelining: 1,
        amount: consumers[name].amount,
        timeout: 10,
      };
      return Promise.resolve(autocannon(options)).then((result) => [name, result] as const);
    }));
    const elapsedMs = performance.now() - started;
    const results = Object.fromEntries(runs) as Record<Name, autocannon.Result>;

    const statuses = (name: Name) => Object.fromEntries(Object.entries(results[name].statusCodeStats).map(([status, { count }]) => [status, count]));
    for (const name of Object.keys(consumers) as Name[]) {
      const r = results[name];
      expect({ name, errors: r.errors, timeouts: r.timeouts, resets: r.resets }).toEqual({ name, errors: 0, timeouts: 0, resets: 0 });
      // Only 200 and 429: no 5xx (nor anything else) from the gateway under load.
      expect(Object.keys(statuses(name)).filter((s) => s !== '200' && s !== '429')).toEqual([]);
      expect((statuses(name)['200'] ?? 0) + (statuses(name)['429'] ?? 0)).toBe(consumers[name].amount);
    }

    // Fixed windows: over the run, a consumer passes at most one burst per window it overlaps.
    const mostAllowed = (rule: { rps: number; burst: number }) => (Math.ceil(elapsedMs / ((rule.burst / rule.rps) * 1000)) + 1) * rule.burst;
    const noisy = statuses('noisy');
    expect(noisy['429'] ?? 0).toBeGreaterThan(0);
    expect(noisy['200'] ?? 0).toBeGreaterThan(0);
    expect(noisy['200'] ?? 0).toBeLessThanOrEqual(mostAllowed(consumers.noisy.rule));
    expect(statuses('moderate')['200'] ?? 0).toBeLessThanOrEqual(mostAllowed(consumers.moderate.rule));
    // The noisy consumer's refusals never spill over: the quiet one is never refused.
    expect(statuses('quiet')).toEqual({ 200: consumers.quiet.amount });

    // Every request sent has exactly one row, with the status the consumer got; no 5xx logged.
    await h.flushTraffic();
    const rows = await h.gateway.store.db.selectFrom('traffic_log')
      .select((eb) => ['consumer', 'status', eb.fn.countAll<number>().as('n'), eb.fn.count<number>('request_id').distinct().as('ids')])
      .where('contract', '=', contract).groupBy(['consumer', 'status']).orderBy('consumer').orderBy('status').execute();
    const logged = Object.fromEntries((Object.keys(consumers) as Name[]).map((name) => [
      name,
      Object.fromEntries(rows.filter((row) => row.consumer === consumers[name].clientId).map((row) => [String(row.status), Number(row.n)])),
    ]));
    expect(logged).toEqual(Object.fromEntries((Object.keys(consumers) as Name[]).map((name) => [name, statuses(name)])));
    expect(rows.filter((row) => Number(row.ids) !== Number(row.n))).toEqual([]);
  });
});
