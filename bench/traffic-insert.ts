// What a traffic-log row costs the embedded store: 100,000 rows appended as the gateway does
// (`store.appendRows`, batches of 500) into a fresh data dir, CPU and wall time per row for each
// round of 20,000. The variants change the schema or the session first, to weigh what each costs.
// `synchronous-off`: no `fsync` even at checkpoints (a power cut may then damage the file; not a
// setting to ship); `only-pk` keeps the rowid (`seq`) and `log_id`'s unique index, which SQLite
// cannot drop (a constraint's own index).
//
//   node bench/traffic-insert.ts [as-is|synchronous-off|no-secondary|only-pk]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { timeOrderedUuid } from '../gateway/pipeline/exchange.ts';
import { openStore } from '../gateway/store/open.ts';
import { trafficBulkColumns, trafficValues, type TrafficRow } from '../gateway/traffic/row.ts';

const secondary = ['traffic_log_request_id', 'traffic_log_consumer_at', 'traffic_log_contract_at', 'traffic_log_partner_at'];
const variants: Record<string, string> = {
  'as-is': 'select 1',
  'synchronous-off': 'pragma synchronous = off',
  'no-secondary': secondary.map((index) => `drop index ${index}`).join('; '),
  'only-pk': [...secondary, 'traffic_log_at'].map((index) => `drop index ${index}`).join('; '),
};
const variant = process.argv[2] ?? 'as-is';
if (!variants[variant]) throw new Error(`unknown variant ${variant}; known: ${Object.keys(variants).join(', ')}`);

const dataDir = mkdtempSync(join(tmpdir(), 'penghubung-traffic-insert-'));
const store = await openStore({ dataDir, store: { url: null } });
await store.exec(variants[variant]);
let n = 0;
const row = (): TrafficRow => ({
  logId: timeOrderedUuid(), requestId: timeOrderedUuid(), at: new Date().toISOString(), listener: 'internal',
  consumer: `app-${n % 7}`, contract: `contract-${n % 5}`, operation: 'getPerangkatDaerah', method: 'GET',
  path: `/sandbox/v1/perangkat-daerah/2.${n++ % 40}`, status: 200, errorCode: null, totalMs: 1.234, upstreamMs: 0.98,
  bytesIn: 0, bytesOut: 345, requestSha256: null, responseSha256: 'ab'.repeat(32), clientAddress: '127.0.0.1',
  traceId: '0af7651916cd43dd8448eb211c80319c', partner: null, agreement: null, certFingerprint: null,
});
// The whole process: SQLite works on this thread, between building the rows.
const cpuMs = () => { const { user, system } = process.cpuUsage(); return (user + system) / 1000; };
const rounds: string[] = [];
for (let round = 0; round < 5; round++) {
  const cpu = cpuMs();
  const wall = performance.now();
  for (let batch = 0; batch < 40; batch++) {
    const rows = Array.from({ length: 500 }, row);
    await store.appendRows('traffic_log', trafficBulkColumns, rows.map(trafficValues));
  }
  rounds.push(`${((cpuMs() - cpu) / 20).toFixed(1)}/${((performance.now() - wall) / 20).toFixed(1)}`);
}
console.log(`${variant}: µs CPU/wall per row, rounds of 20,000 rows: ${rounds.join('  ')}`);
await store.close();
rmSync(dataDir, { recursive: true, force: true });
