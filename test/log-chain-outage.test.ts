import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSsoProvider, type SsoProvider } from '../gateway/demo/sso-provider.ts';
import { clean, verifyLogs } from '../gateway/integrity/verify.ts';
import type { TrafficRow } from '../gateway/traffic/row.ts';
import { audience, startHarness, tempDir, testClients } from './support/harness.ts';
import { auditorRecompute, chainRows, exchanges, instanceOf, jwksWith, testSigner } from './support/log-chain.ts';
import { startPostgres } from './support/postgres.ts';
import { until } from './support/until.ts';

let sso: SsoProvider;
let signer: Awaited<ReturnType<typeof testSigner>>;
beforeAll(async () => {
  sso = await startSsoProvider({ audience, clients: testClients });
  signer = await testSigner();
});
afterAll(() => sso?.close());

/**
 * The traffic chain across a store outage: the store taken away is a PostgreSQL of the test's own,
 * stopped and started, so this runs once (in the embedded project), whatever store the others use.
 */
describe('the traffic chain while the store is down', () => {
  it('keeps the places and hashes of spooled rows, and a restart during the outage goes on after them', async () => {
    const pg = await startPostgres();
    const dataDir = tempDir('chain-spool-');
    const config = { store: { url: pg.url } };
    try {
      const first = await startHarness({ sso, dataDir, config });
      await exchanges(first, 'up', 5);
      await first.flushTraffic();
      await pg.stop();
      await exchanges(first, 'down', 6);
      await until(() => first.gateway.traffic.stats.spoolFiles, (files) => files > 0, { what: 'rows to be spooled', timeoutMs: 15_000 });
      await first.close();
      const spoolDir = join(dataDir, 'spool', 'traffic');
      const spooled = readdirSync(spoolDir).filter((name) => name.endsWith('.ndjson'))
        .flatMap((name) => readFileSync(join(spoolDir, name), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as TrafficRow));
      expect(spooled.map((row) => row.chainSeq).sort((a, b) => a! - b!)).toEqual([6, 7, 8, 9, 10, 11]);
      expect(spooled.every((row) => row.chain === instanceOf(first) && /^[0-9a-f]{64}$/.test(row.hash!))).toBe(true);

      await pg.start();
      const second = await startHarness({ sso, dataDir, config });
      try {
        await exchanges(second, 'back', 3);
        await until(() => readdirSync(spoolDir).filter((name) => name.endsWith('.ndjson')).length, (files) => files === 0, { what: 'the spool to drain', timeoutMs: 15_000 });
        await second.flushTraffic();
        const rows = await chainRows(second.gateway.store, 'traffic_log', instanceOf(second));
        expect(rows.map((row) => row.chain_seq)).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
        expect(rows.slice(11).map((row) => row.request_id)).toEqual(['back-0', 'back-1', 'back-2']);
        expect(auditorRecompute(rows)).toBe(0);
        expect(clean(await verifyLogs(second.gateway.store, { jwks: jwksWith(signer.jwks, dataDir) }))).toBe(true);
      } finally {
        await second.close();
      }
    } finally {
      await pg.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
