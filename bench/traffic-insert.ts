// What a traffic-log row costs the embedded store: 100,000 rows appended as the gateway does
// (`store.appendRows`, batches of 500) into a fresh data dir, CPU and wall time per row for each
// round of 20,000. The variants change the schema or the session first, to weigh what each costs.
// `synchronous-off`: no `fsync` even at checkpoints (a power cut may then damage the file; not a
// setting to ship); `only-pk` keeps the rowid (`seq`) and `log_id`'s unique index, which SQLite
// cannot drop (a constraint's own index); `pre-0015` has the indexes as they were before migration
// 0015 (consumer, contract and partner by `at`; no error code or class index); `pre-0016` has no
// hash chain (migration 0016: the chain's three columns and its index), the others write chained
// rows (with several variants, sealed outside what is timed: bench/chain-cost.ts weighs that). `mix`: rows of
// bench/traffic-mix.ts (errors, partners, other contracts) instead of one ordinary 200 repeated.
//
//   node bench/traffic-insert.ts [as-is|synchronous-off|no-secondary|only-pk|pre-0015|pre-0016][,<variant>...] [mix]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { timeOrderedUuid } from '../gateway/pipeline/exchange.ts';
import { openStore } from '../gateway/store/open.ts';
import { TrafficChain } from '../gateway/traffic/chain.ts';
import { trafficBulkColumns, trafficChainColumns, trafficValues, type TrafficRow } from '../gateway/traffic/row.ts';
import { trafficMix } from './traffic-mix.ts';

const bySeq = ['traffic_log_consumer_seq', 'traffic_log_contract_seq', 'traffic_log_consumer_contract_seq', 'traffic_log_partner_seq', 'traffic_log_error_code_seq', 'traffic_log_status_class_seq'];
const secondary = ['traffic_log_request_id', ...bySeq];
const variants: Record<string, string> = {
  'as-is': 'select 1',
  'synchronous-off': 'pragma synchronous = off',
  'no-secondary': secondary.map((index) => `drop index ${index}`).join('; '),
  'only-pk': [...secondary, 'traffic_log_at'].map((index) => `drop index ${index}`).join('; '),
  'pre-0015': [...bySeq.map((index) => `drop index ${index}`), ...['consumer', 'contract', 'partner'].map((column) => `create index traffic_log_${column}_at on traffic_log (${column}, at desc)`)].join('; '),
  'pre-0016': ['drop index traffic_log_chain', ...trafficChainColumns.map(([, column]) => `alter table traffic_log drop column ${column}`)].join('; '),
};
/** The columns a variant writes: all of them but in `pre-0016`, which has no chain. */
const unchained = trafficBulkColumns.length - trafficChainColumns.length;
// Several variants, comma-separated (`pre-0015,as-is`): a store each, written batch by batch in
// turn, so that whatever else the machine does weighs on all of them alike; the figure is then the
// main thread's CPU in `appendRows` alone (`process.threadCpuUsage`), per row.
const chosen = (process.argv[2] ?? 'as-is').split(',');
for (const variant of chosen) if (!variants[variant]) throw new Error(`unknown variant ${variant}; known: ${Object.keys(variants).join(', ')}`);
const mix = process.argv[3] === 'mix';
const stores = await Promise.all(chosen.map(async (variant) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'penghubung-traffic-insert-'));
  const store = await openStore({ dataDir, store: { url: null } });
  await store.exec(variants[variant]!);
  const chain = variant === 'pre-0016' ? undefined : new TrafficChain(`bench-${variant}`);
  const columns = chain ? trafficBulkColumns : trafficBulkColumns.slice(0, unchained);
  return { variant, dataDir, store, chain, columns, mixed: mix ? trafficMix(100_000, 1, Date.now(), 500) : undefined, rounds: [] as string[], threadUs: 0 };
}));
let n = 0;
const row = (): TrafficRow => ({
  logId: timeOrderedUuid(), requestId: timeOrderedUuid(), at: new Date().toISOString(), listener: 'internal',
  consumer: `app-${n % 7}`, contract: `contract-${n % 5}`, operation: 'getPerangkatDaerah', method: 'GET',
  path: `/sandbox/v1/perangkat-daerah/2.${n++ % 40}`, status: 200, errorCode: null, totalMs: 1.234, upstreamMs: 0.98,
  bytesIn: 0, bytesOut: 345, requestSha256: null, responseSha256: 'ab'.repeat(32), clientAddress: '127.0.0.1',
  traceId: '0af7651916cd43dd8448eb211c80319c', partner: null, agreement: null, certFingerprint: null,
});
// One variant: the whole process, as SQLite works on this thread between building the rows.
const cpuMs = () => { const { user, system } = process.cpuUsage(); return (user + system) / 1000; };
const threadUs = () => { const { user, system } = process.threadCpuUsage(); return user + system; };
for (let round = 0; round < 5; round++) {
  const cpu = cpuMs();
  const wall = performance.now();
  for (const each of stores) each.threadUs = 0;
  for (let batch = 0; batch < 40; batch++) {
    for (const each of stores) {
      const next = each.mixed?.next();
      const built = next && !next.done ? next.value : Array.from({ length: 500 }, row);
      if (each.chain) for (const one of built) each.chain.seal(one);
      const rows = built.map((one) => trafficValues(one).slice(0, each.columns.length));
      const before = threadUs();
      await each.store.appendRows('traffic_log', each.columns, rows);
      each.threadUs += threadUs() - before;
    }
  }
  for (const each of stores) each.rounds.push(stores.length > 1 ? (each.threadUs / 20_000).toFixed(1) : `${((cpuMs() - cpu) / 20).toFixed(1)}/${((performance.now() - wall) / 20).toFixed(1)}`);
}
for (const { variant, rounds } of stores) {
  const what = stores.length > 1 ? 'µs main-thread CPU in appendRows per row, batches interleaved' : 'µs CPU/wall per row';
  console.log(`${variant}${mix ? ' (mix)' : ''}: ${what}, rounds of 20,000 rows: ${rounds.join('  ')}`);
}
for (const { store, dataDir } of stores) {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
}
