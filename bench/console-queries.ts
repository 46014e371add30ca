// The ops console's reads over a large traffic log: 1,000,000 rows over 30 days (bench/traffic-mix.ts)
// written into a fresh embedded store and into a fresh PostgreSQL (bench/postgres-server.ts), the
// rollups made (gateway/traffic/rollup.ts), then each query timed: one warm-up run, then `--runs`
// runs, median and max. The traffic searches go through `queryTraffic` as the admin API and the
// console call it, the services view through `serviceLevels`, the report through `summarisePeriod`.
// Prints a markdown table and writes it to bench/RESULTS-console.md.
//
//   node bench/console-queries.ts [--rows 1000000] [--days 30] [--runs 9] [--stores embedded,postgres]
//                                 [--store-url postgres://...] [--plans] [--no-write]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Compilable, CompiledQuery } from 'kysely';
import pino from 'pino';
import { openStore } from '../gateway/store/open.ts';
import type { Store } from '../gateway/store/store.ts';
import { summarisePeriod } from '../gateway/traffic/period-summary.ts';
import { queryTraffic, type TrafficFilter } from '../gateway/traffic/query.ts';
import { TrafficRollup } from '../gateway/traffic/rollup.ts';
import { trafficBulkColumns, trafficValues } from '../gateway/traffic/row.ts';
import { serviceLevels, type ServiceWindow } from '../gateway/traffic/service-levels.ts';
import { startBenchPostgres, type BenchPostgres } from './postgres-server.ts';
import { mixContracts, trafficMix } from './traffic-mix.ts';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    days: { type: 'string', default: '30' },
    runs: { type: 'string', default: '9' },
    stores: { type: 'string', default: 'embedded,postgres' },
    'store-url': { type: 'string' },
    plans: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
  },
  strict: true,
});
const rowCount = Number(args.rows);
const days = Number(args.days);
const runs = Number(args.runs);
/** The aim for a search's first page and the services view; the report has none. */
const aimMs = 200;
const loadAtStart = loadavg();
const day = 86_400_000;
const end = Math.floor(Date.now() / 60_000) * 60_000;

interface Timing { median: number; max: number; rows: number }
interface StoreRun { kind: string; loadSeconds: number; rollupSeconds: number; timings: Map<string, Timing>; server?: string }

const upstreamOf = (id: string) => mixContracts.find((c) => c.id === id)?.upstream ?? null;
const targetOf = () => ({ availability: 99.5, latencyP95Ms: 2000 });

/** The searches: the first page (100 rows) of each, as the console opens them. */
const searches: [string, TrafficFilter][] = [
  ['traffic: first page, no filter', {}],
  ['traffic: contract (a mid-traffic one)', { contract: 'splp-wilayah' }],
  ['traffic: error code, common (CONTRACT_VALIDATION_FAILED)', { code: 'CONTRACT_VALIDATION_FAILED' }],
  ['traffic: error code, rare (INTERNAL_ERROR)', { code: 'INTERNAL_ERROR' }],
  ['traffic: status class 5xx', { status: '5xx' }],
  ['traffic: status 404', { status: '404' }],
  ['traffic: consumer + contract (its usual one)', { consumer: 'app-01', contract: 'bkn-siasn' }],
  ['traffic: consumer + contract (a rare pair)', { consumer: 'app-20', contract: 'jdihn' }],
  ['traffic: partner', { partner: 'notaris-sejahtera' }],
  ['traffic: one day, two weeks ago', { from: new Date(end - 15 * day).toISOString(), to: new Date(end - 14 * day).toISOString() }],
  ['traffic: one day two weeks ago + contract', { contract: 'splp-wilayah', from: new Date(end - 15 * day).toISOString(), to: new Date(end - 14 * day).toISOString() }],
  ['traffic: the last 7 days (from and to)', { from: new Date(end - 7 * day).toISOString(), to: new Date(end + 60_000).toISOString() }],
  ['traffic: before two weeks ago (to only)', { to: new Date(end - 14 * day).toISOString() }],
  ['traffic: contract + operation', { contract: 'sipd', operation: 'op2' }],
];

async function time(what: () => Promise<number>): Promise<Timing> {
  await what();
  const ms: number[] = [];
  let rows = 0;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    rows = await what();
    ms.push(performance.now() - started);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[Math.floor(ms.length / 2)]!, max: ms.at(-1)!, rows };
}

/** The query plan of the last statement `queryTraffic` ran, for `--plans`. */
async function plan(store: Store, compiled: CompiledQuery): Promise<string> {
  const explain = { compile: () => ({ ...compiled, sql: `${store.kind === 'postgres' ? 'explain' : 'explain query plan'} ${compiled.sql}` }) } as unknown as Compilable<Record<string, unknown>>;
  const rows = await store.read(explain);
  return rows.map((row) => String(row['QUERY PLAN'] ?? row.detail)).join('\n    ');
}

async function benchStore(kind: 'embedded' | 'postgres'): Promise<StoreRun> {
  const dataDir = mkdtempSync(join(tmpdir(), 'penghubung-console-bench-'));
  let server: BenchPostgres | undefined;
  const url = kind === 'postgres' ? args['store-url'] ?? (server = await startBenchPostgres()).url : null;
  const store = await openStore({ dataDir, store: { url } });
  try {
    const loading = performance.now();
    for (const batch of trafficMix(rowCount, days, end)) await store.appendRows('traffic_log', trafficBulkColumns, batch.map(trafficValues));
    if (kind === 'postgres') await store.exec('vacuum analyze traffic_log');
    const loadSeconds = (performance.now() - loading) / 1000;
    console.log(`${kind}: ${rowCount} rows written in ${loadSeconds.toFixed(1)} s`);
    const rolling = performance.now();
    const rolled = await new TrafficRollup(store, pino({ level: 'silent' }), { settleSeconds: 0, maxRowsPerRun: Number.POSITIVE_INFINITY }).runOnce();
    const rollupSeconds = (performance.now() - rolling) / 1000;
    console.log(`${kind}: ${rolled} rows rolled up in ${rollupSeconds.toFixed(1)} s`);

    const timings = new Map<string, Timing>();
    let last: CompiledQuery | undefined;
    const capturing: Pick<Store, 'db' | 'read'> = { db: store.db, read: (query) => ((last = query.compile()), store.read(query)) };
    for (const [name, filter] of searches) {
      timings.set(name, await time(async () => (await queryTraffic(capturing, { limit: '100', ...filter })).items.length));
      if (args.plans && last) console.log(`  ${name}:\n    ${await plan(store, last)}`);
    }
    for (const window of ['hour', 'day', 'week', 'month'] as ServiceWindow[]) {
      timings.set(`services view: ${window}`, await time(async () => {
        const view = await serviceLevels(store, { window, upstreamOf, targetOf });
        return view.contracts.reduce((sum, c) => sum + c.volume, 0);
      }));
    }
    timings.set('report: the last 30 days (summarisePeriod)', await time(async () => {
      const report = await summarisePeriod(store, { from: new Date(end - 30 * day), to: new Date(end), targetOf });
      return report.byConsumer.length + report.byPartner.length + report.byContract.length;
    }));
    for (const [name, timing] of timings) console.log(`${kind}: ${name}: median ${timing.median.toFixed(1)} ms, max ${timing.max.toFixed(1)} ms (${timing.rows})`);
    return { kind, loadSeconds, rollupSeconds, timings, ...(server ? { server: `PostgreSQL ${server.version}` } : {}) };
  } finally {
    await store.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function markdown(results: StoreRun[]): string {
  const names = [...results[0]!.timings.keys()];
  const cell = (name: string, t: Timing | undefined) => (t ? `${t.median.toFixed(1)} / ${t.max.toFixed(1)}${t.median > aimMs && !name.startsWith('report') ? ' **over**' : ''}` : 'n/a');
  const header = `| query | ${results.map((r) => `${r.kind === 'postgres' ? 'PostgreSQL' : 'embedded (SQLite)'} ms, median / max`).join(' | ')} | rows or volume |`;
  const lines = names.map((name) => `| ${name} | ${results.map((r) => cell(name, r.timings.get(name))).join(' | ')} | ${results[0]!.timings.get(name)!.rows} |`);
  const load = (figures: number[]) => figures.map((f) => f.toFixed(2)).join(', ');
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `## Console queries over ${rowCount.toLocaleString('en')} rows

Produced by \`npm run bench:console\` (\`bench/console-queries.ts\`) on ${new Date().toISOString()}, on ${cpu}, ${availableParallelism()} logical CPUs, ${Math.round(totalmem() / 2 ** 30)} GiB, kernel ${release()}, Node ${process.version}${results.map((r) => r.server).filter(Boolean).map((s) => `, ${s!}`).join('')}.
Overwritten by every run of that script.

- data: ${rowCount.toLocaleString('en')} traffic-log rows over the ${days} days before the run (\`bench/traffic-mix.ts\`: ten contracts of very different popularity, twenty PD applications each calling mostly three of them, three partners (6%), 0.4% unrouted, about 3% 4xx and 1% 5xx with common and rare codes, log-normal latencies per contract, office hours busier than nights, one row in 300 written late), appended with \`store.appendRows\` in batches of 5,000 into a fresh embedded store (SQLite, no \`ANALYZE\`, as the gateway runs it) and a fresh PostgreSQL (\`bench/postgres-server.ts\`: defaults, \`fsync\` off, \`vacuum analyze\` after loading)
- writing the rows: ${results.map((r) => `${r.kind} ${r.loadSeconds.toFixed(0)} s`).join(', ')}; rollup of all rows by \`TrafficRollup.runOnce\`: ${results.map((r) => `${r.kind} ${r.rollupSeconds.toFixed(1)} s`).join(', ')}
- each query: one warm-up run, then ${runs} runs; median and max in ms, from the call to the answer (the embedded store's reads run on its background thread, \`Store.read\`); **over**: a median above the ${aimMs} ms aim of a search's first page and of the services view (the report has no such aim)
- machine load average (1, 5, 15 min) at the start: ${load(loadAtStart)}; at the end: ${load(loadavg())}; above about 1 on these 2 CPUs, something else ran meanwhile and the figures are high
- traffic searches: the first page (100 rows) through \`queryTraffic\`; services view: \`serviceLevels\` for ten contracts and their upstreams (its last column: the window's volume); report: \`summarisePeriod\` from the hourly rollups (its last column: rows of the report)

${header}
|---|${results.map(() => '--:|').join('')}--:|
${lines.join('\n')}
`;
}

const results: StoreRun[] = [];
for (const kind of args.stores.split(',') as ('embedded' | 'postgres')[]) results.push(await benchStore(kind));
const section = markdown(results);
console.log(`\n${section}`);
// A file of its own: `npm run bench` rewrites RESULTS.md whole.
if (!args['no-write']) writeFileSync(fileURLToPath(new URL('./RESULTS-console.md', import.meta.url)), `# Benchmark results: console queries\n\n${section}`);
