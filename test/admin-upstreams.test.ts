// `GET /admin/v1/upstreams` is a read: it shows every upstream of an active contract, and makes no
// breaker for one that nothing has used yet (a breaker keeps the settings it was made with).
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Breakers, defaultBreakerSettings, type UpstreamStatus } from '../gateway/resilience/breakers.ts';
import { loadContracts } from '../gateway/registry/load-contracts.ts';
import { applyContracts } from '../gateway/registry/apply.ts';
import { asWritten, sandboxContracts, startHarness, tempDir, type Harness } from './support/harness.ts';

/** A row of `GET /admin/v1/upstreams`, as JSON. */
type UpstreamRow = UpstreamStatus;

describe('Breakers.overview', () => {
  it('lists an upstream without a breaker as closed and unused, and makes none', () => {
    const breakers = new Breakers(pino({ level: 'silent' }));
    try {
      const rows = breakers.overview(new Map([['dukcapil', { volumeThreshold: 5 }], ['bkn', {}]]));
      expect(rows.map((row) => row.upstream)).toEqual(['bkn', 'dukcapil']);
      expect(rows[1]).toEqual({
        upstream: 'dukcapil', inUse: false, state: 'closed', since: expect.any(String), nextProbeAt: null,
        window: { calls: 0, successes: 0, failures: 0, refused: 0 },
        retries: { requests: 0, retries: 0, allowed: expect.any(Number) },
        settings: { ...defaultBreakerSettings, volumeThreshold: 5 },
      });
      expect(breakers.snapshot()).toEqual([]);

      // The first real use still decides the settings, and an existing breaker is listed as it is.
      breakers.for('dukcapil', { volumeThreshold: 7 });
      breakers.for('sipd');
      const after = breakers.overview(new Map([['dukcapil', { volumeThreshold: 5 }], ['bkn', {}]]));
      expect(after.map((row) => [row.upstream, row.inUse, row.settings.volumeThreshold])).toEqual([['bkn', false, 10], ['dukcapil', true, 7], ['sipd', true, 10]]);
      expect(breakers.snapshot().map((row) => row.upstream)).toEqual(['dukcapil', 'sipd']);
    } finally {
      breakers.close();
    }
  });
});

describe('GET /admin/v1/upstreams', () => {
  let h: Harness;
  let contracts: string;
  const file = () => join(contracts, 'sandbox', 'direktori.yaml');
  const upstreams = async () => {
    const res = await fetch(`${h.adminUrl}/admin/v1/upstreams`, { headers: { authorization: `Bearer ${await h.token('ops-console')}` } });
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: UpstreamRow[] }).items;
  };
  const sandbox = async () => (await upstreams()).find((row) => row.upstream === 'sandbox');

  beforeAll(async () => {
    contracts = tempDir('contracts-');
    cpSync(sandboxContracts, join(contracts, 'sandbox'), { recursive: true });
    h = await startHarness({ contractDirs: [contracts] });
  }, 60_000);
  afterAll(() => h?.close());

  it('shows an upstream nothing has called as closed and unused, and a later breaker change still applies', async () => {
    const first = await sandbox();
    expect(first).toMatchObject({ inUse: false, state: 'closed', nextProbeAt: null, window: { calls: 0, successes: 0, failures: 0, refused: 0 }, settings: defaultBreakerSettings });
    expect(Date.parse(first!.since)).not.toBeNaN();
    expect(await sandbox()).toMatchObject({ inUse: false }); // the first read made no breaker

    // A stricter breaker, reloaded before any call: it is the one the first call gets.
    writeFileSync(file(), readFileSync(file(), 'utf8').replace('upstream:\n  name: sandbox', 'resilience:\n  breaker: { volumeThreshold: 3, resetTimeoutMs: 60000 }\nupstream:\n  name: sandbox'));
    await applyContracts(h.gateway.store, loadContracts([contracts]), asWritten);
    await h.gateway.registry.refresh();
    expect(await sandbox()).toMatchObject({ inUse: false, settings: { volumeThreshold: 3, resetTimeoutMs: 60_000 } });

    const reader = { authorization: `Bearer ${await h.token('app-reader')}` };
    expect((await fetch(`${h.url}/sandbox/v1/perangkat-daerah/2.16`, { headers: reader })).status).toBe(200);
    expect(await sandbox()).toMatchObject({ inUse: true, state: 'closed', window: { calls: 1, successes: 1 }, settings: { volumeThreshold: 3, resetTimeoutMs: 60_000 } });

    // The reloaded settings govern: three failed calls open the circuit (the default needs ten).
    await h.upstream.close();
    const codes: string[] = [];
    for (let i = 0; i < 3; i++) codes.push(((await (await fetch(`${h.url}/sandbox/v1/perangkat-daerah/2.16`, { headers: reader })).json()) as { code: string }).code);
    expect(codes).toContain('UPSTREAM_UNAVAILABLE');
    expect(await sandbox()).toMatchObject({ inUse: true, state: 'open', nextProbeAt: expect.any(String) });
    expect(h.logs.text).not.toContain('contracts disagree on the circuit breaker settings');
  });
});
