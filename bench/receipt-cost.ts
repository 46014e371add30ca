// What a signed receipt costs (docs/integrity.md). Two parts, written to bench/RESULTS-receipts.md:
//
// 1. In this process: the CPU of one receipt as the receipt stage makes it (the two SHA-256, the
//    payload, `SigningKeys.sign` on libuv's pool), beside one bare Ed25519 signature (`crypto.sign`
//    on the main thread), the receipt signed there instead, and jose's `CompactSign`; CPU of the
//    main thread and of the whole process, per receipt, one at a time and 32 at a time.
// 2. The gateway in a process of its own (bench/gateway-process.ts) under autocannon: the same
//    letter registration, POST /sandbox/v1/surat (receipt: true) and a copy of the contract without
//    receipts, in turn; CPU per exchange of the gateway process and of its main thread.
//
// The aim: a receipt costs at most one Ed25519 signature.
//
//   node bench/receipt-cost.ts [--receipts 5000] [--rounds 5] [--duration 8] [--warmup 2]
//                              [--exchange-rounds 4] [--connections 16] [--rate 1200 (req/s; 0: as fast as it answers)]
//                              [--no-gateway] [--no-write]
import { createHash, createPrivateKey, sign } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CompactSign } from 'jose';
import { demoAudience } from '../gateway/demo/profile.ts';
import { startSsoProvider, type SsoProvider } from '../gateway/demo/sso-provider.ts';
import { keysDir, SigningKeys } from '../gateway/integrity/keys.ts';
import { receiptType } from '../gateway/integrity/receipts.ts';
import { receiptOf } from '../gateway/pipeline/38-receipt.ts';
import type { Exchange } from '../gateway/pipeline/exchange.ts';
import { ask, deployedRuntime, forkHelper, killAllNow, stopAll } from './children.ts';
import { benchClient } from './helper.ts';
import { measure, medianRound, type LoadSettings, type Measurement, type Scenario } from './measure.ts';
import { clockTicks } from './proc.ts';

const { values: args } = parseArgs({
  options: {
    receipts: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    'exchange-rounds': { type: 'string', default: '4' },
    connections: { type: 'string', default: '16' },
    rate: { type: 'string', default: '1200' },
    'no-gateway': { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
  },
  strict: true,
});
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'penghubung-receipts-'));
process.once('exit', () => {
  killAllNow();
  rmSync(work, { recursive: true, force: true });
});

const letter = JSON.stringify({ nomor: '800/123/BKPSDM/2026', tanggal: '2026-11-20', pengirim: { nama: 'BKPSDM', email: 'bkpsdm@example.go.id' }, perihal: 'Undangan rapat koordinasi', sifat: 'biasa', lampiran: 1 });
const answer = Buffer.from(JSON.stringify({ nomorAgenda: '00001/SANDBOX/2026', perihal: 'Undangan rapat koordinasi', diterima: new Date().toISOString(), sha256: createHash('sha256').update(letter).digest('hex') }));

// ---- part 1: one receipt, in this process -------------------------------------------------------

interface Cost { mainUs: number; processUs: number }
/** CPU microseconds of this thread so far. */
const threadCpu = () => {
  const { user, system } = process.threadCpuUsage();
  return user + system;
};

/** CPU per operation over `count` operations, `inFlight` at a time; the median of `rounds` rounds (by process CPU). */
async function cost(operation: () => unknown, count: number, inFlight: number, rounds: number): Promise<Cost> {
  const results: Cost[] = [];
  for (let round = 0; round <= rounds; round++) {
    const main = threadCpu();
    const all = process.cpuUsage();
    for (let done = 0; done < count; done += inFlight) await Promise.all(Array.from({ length: Math.min(inFlight, count - done) }, operation));
    const m = threadCpu() - main;
    const p = process.cpuUsage(all);
    // Round 0 warms up (JIT, the pool's threads, jose's key conversion) and is not counted.
    if (round > 0) results.push({ mainUs: m / count, processUs: (p.user + p.system) / count });
  }
  results.sort((a, b) => a.processUs - b.processUs);
  return results[Math.floor((results.length - 1) / 2)]!;
}

async function receiptCosts(): Promise<{ rows: [string, Cost, Cost][]; signingInputBytes: number }> {
  const dataDir = join(work, 'keys-data');
  const keys = await SigningKeys.open(dataDir);
  const file = JSON.parse(readFileSync(join(keysDir(dataDir), `${keys.currentKid}.json`), 'utf8')) as { jwk: { kty: string; crv: string; x: string; d: string } };
  const privateKey = createPrivateKey({ key: file.jwk, format: 'jwk' });
  const requestHash = createHash('sha256').update(letter);
  const ex = {
    requestId: '019b0000-0000-7000-8000-000000000001', id: '019b0000-0000-7000-8000-000000000002', receivedAt: new Date(), requestHash,
    match: { route: { contract: { id: 'sandbox-direktori', version: '1.0.0' }, operation: { id: 'registerLetter' } } }, consumer: { clientId: benchClient.clientId },
  } as unknown as Exchange;
  const whole = { status: 201, headers: {}, body: answer };
  const sample = await keys.sign({ ...receiptOf(ex, whole) }, receiptType);
  const [header, payload] = sample.split('.') as [string, string];
  const signingInput = Buffer.from(`${header}.${payload}`);
  const payloadBytes = Buffer.from(payload, 'base64url');
  const count = Number(args.receipts);
  const rounds = Number(args.rounds);
  const operations: [string, () => unknown][] = [
    ['one Ed25519 signature (`crypto.sign`, synchronous, on the main thread)', () => sign(null, signingInput, privateKey)],
    ['the two SHA-256 and the payload (`receiptOf`), no signature', () => JSON.stringify(receiptOf(ex, whole))],
    ['**a receipt** as the receipt stage makes it (`receiptOf` + `SigningKeys.sign`)', () => keys.sign({ ...receiptOf(ex, whole) }, receiptType)],
    ['for comparison: the same signed on the gateway\'s thread (`crypto.sign` without a callback)', () => {
      const input = Buffer.from(`${header}.${Buffer.from(JSON.stringify(receiptOf(ex, whole))).toString('base64url')}`);
      return sign(null, input, privateKey);
    }],
    ['for comparison: jose `CompactSign` over the same payload (WebCrypto, also on the pool)', () => new CompactSign(payloadBytes).setProtectedHeader({ alg: 'EdDSA', kid: keys.currentKid, typ: receiptType }).sign(privateKey)],
  ];
  const rows: [string, Cost, Cost][] = [];
  for (const [label, operation] of operations) {
    const one = await cost(operation, count, 1, rounds);
    const many = await cost(operation, count, 32, rounds);
    console.log(`receipts: ${label}: ${one.processUs.toFixed(1)} µs (main ${one.mainUs.toFixed(1)}) one at a time; ${many.processUs.toFixed(1)} µs (main ${many.mainUs.toFixed(1)}) 32 at a time`);
    rows.push([label, one, many]);
  }
  return { rows, signingInputBytes: signingInput.length };
}

// ---- part 2: per exchange, the gateway in a process of its own ----------------------------------

/** CPU time of a process's main thread (its first task), microseconds, from /proc. */
function mainThreadMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / clockTicks) * 1e6;
}

/** The bundled sandbox (its letter registration gives receipts) and a copy under another prefix without them. */
function contractsWithAndWithout(): string {
  const dir = join(work, 'contracts');
  const sandbox = here('../contracts/sandbox/');
  cpSync(sandbox, join(dir, 'sandbox'), { recursive: true });
  const yaml = readFileSync(join(sandbox, 'direktori.yaml'), 'utf8');
  if (!/\n {4}receipt: true\b/.test(yaml)) throw new Error('contracts/sandbox/direktori.yaml: registerLetter has no receipt: true');
  writeFileSync(join(dir, 'sandbox', 'direktori-plain.yaml'), yaml.replace('id: sandbox-direktori', 'id: sandbox-plain').replace('integration: sandbox', 'integration: sandbox-plain').replace(/\n {4}receipt: true[^\n]*/, ''));
  return dir;
}

interface ExchangeRow { label: string; m: Measurement; mainUs: number; mainRange: [number, number] }

async function exchangeCosts(): Promise<{ rows: ExchangeRow[]; settings: LoadSettings }> {
  const settings: LoadSettings = { connections: Number(args.connections), pipelining: 1, warmupSeconds: Number(args.warmup), durationSeconds: Number(args.duration), rounds: Number(args['exchange-rounds']) };
  let sso: SsoProvider | undefined;
  try {
    const upstream = await forkHelper<{ url: string; upstream: string; credentials: Record<string, string> }>('sandbox', here('./upstream-process.ts'), ['--integration', 'sandbox']);
    sso = await startSsoProvider({ audience: demoAudience, clients: [benchClient] });
    const gateway = await forkHelper<{ url: string }>('gateway', here('./gateway-process.ts'), [
      '--issuer', sso.issuer, '--upstreams', JSON.stringify({ sandbox: { url: upstream.hello.url, credentials: upstream.hello.credentials } }),
      '--data-dir', join(work, 'gateway-data'), '--log-file', join(work, 'gateway.log'), '--contracts', contractsWithAndWithout(),
    ], 120_000, deployedRuntime(here('../deploy/penghubung.service')));
    const headers = { authorization: `Bearer ${await sso.token(benchClient.clientId)}`, 'content-type': 'application/json' };
    const probe = await fetch(`${gateway.hello.url}/sandbox/v1/surat`, { method: 'POST', headers, body: letter });
    await probe.arrayBuffer();
    if (!probe.headers.get('penghubung-receipt')) throw new Error('POST /sandbox/v1/surat came back without Penghubung-Receipt: are the signing keys in the gateway\'s context (gateway/server.ts)?');
    let mainAtReset = 0;
    // Both at one pace (open loop): CPU per exchange at peak also carries what the lower peak of the
    // slower row amortizes worse (timers, traffic-log batches), which is not the receipt's.
    const rate = Number(args.rate) > 0 ? { rate: Number(args.rate) } : {};
    const scenarios: [string, Scenario, number[]][] = ['/sandbox/v1/surat', '/sandbox-plain/v1/surat'].map((path, i) => [i === 0 ? 'with a receipt' : 'without', {
      key: path, label: `POST ${path}`, url: gateway.hello.url + path, method: 'POST', headers, body: letter, proxyPid: gateway.child.pid, upstreamPid: upstream.child.pid, ...rate,
      observer: {
        reset: async () => {
          await ask(gateway.child, { type: 'reset' });
          mainAtReset = mainThreadMicros(gateway.child.pid);
        },
        read: () => Promise.resolve({ mainThreadMicros: mainThreadMicros(gateway.child.pid) - mainAtReset }),
      },
    }, []]);
    const rounds: Measurement[][] = scenarios.map(() => []);
    for (let round = 0; round < settings.rounds; round++) {
      // The second row of a round runs on a warmer gateway (A/A runs: 10-40 µs less): the order alternates.
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const i of order) {
        const [label, scenario, mains] = scenarios[i]!;
        const m = await measure(scenario, settings, () => false);
        mains.push(m.observed!.mainThreadMicros! / m.requests);
        console.log(`receipts: ${label}: ${m.rps.toFixed(0)} req/s, ${m.proxyCpuUs.toFixed(1)} µs CPU/exchange (main thread ${mains.at(-1)!.toFixed(1)}), p99 ${m.p99.toFixed(1)} ms, non-2xx ${m.non2xx}`);
        rounds[i]!.push(m);
      }
    }
    return {
      settings,
      rows: scenarios.map(([label, , mains], i) => {
        const sorted = [...mains].sort((a, b) => a - b);
        return { label, m: medianRound(rounds[i]!), mainUs: sorted[Math.floor((sorted.length - 1) / 2)]!, mainRange: [sorted[0]!, sorted.at(-1)!] };
      }),
    };
  } finally {
    await stopAll();
    await sso?.close();
  }
}

// ---- report -------------------------------------------------------------------------------------

const fixed = (n: number) => n.toFixed(1);

async function main(): Promise<void> {
  const part1 = await receiptCosts();
  const part2 = args['no-gateway'] ? undefined : await exchangeCosts();
  const [signature, hashes, receipt, onThread, jose] = part1.rows.map(([, one, many]) => ({ one, many }));
  const lines = [
    '# What a signed receipt costs',
    '',
    `Measured ${new Date().toISOString()} by \`node bench/receipt-cost.ts\`: ${availableParallelism()} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), Linux ${release()}, Node ${process.version}.`,
    'A receipt is what the receipt stage (`gateway/pipeline/38-receipt.ts`) does for one answer: the SHA-256 of the request and of the answer, the payload, and `SigningKeys.sign` (a compact JWS, EdDSA over Ed25519, `crypto.sign` with a callback: on libuv\'s pool).',
    '',
    `## One receipt, in one process (${args.receipts} per round, median of ${args.rounds} rounds)`,
    '',
    `Signing input ${part1.signingInputBytes} bytes; request ${Buffer.byteLength(letter)} bytes, answer ${answer.length} bytes. CPU per operation: "main" is the main thread (\`process.threadCpuUsage\`), "process" every thread (\`process.cpuUsage\`).`,
    '',
    '| operation | one at a time: main µs | process µs | 32 at a time: main µs | process µs |',
    '| --- | --: | --: | --: | --: |',
    ...part1.rows.map(([label, one, many]) => `| ${label} | ${fixed(one.mainUs)} | ${fixed(one.processUs)} | ${fixed(many.mainUs)} | ${fixed(many.processUs)} |`),
    '',
  ];
  if (part2) {
    const [withReceipt, without] = part2.rows as [ExchangeRow, ExchangeRow];
    lines.push(
      `## Per exchange: the gateway in a process of its own (${Number(args.rate) > 0 ? `${args.rate} req/s at an even pace (bench/paced.ts)` : 'autocannon, as fast as it answers'}, ${part2.settings.connections} connections, ${part2.settings.warmupSeconds} s warm-up + ${part2.settings.durationSeconds} s, ${part2.settings.rounds} rounds, the order alternating, median round)`,
      '',
      'The letter registration of the demo profile\'s sandbox, `POST /sandbox/v1/surat` with the contract as bundled (`receipt: true`), and the same contract copied under `/sandbox-plain` without `receipt`; bench/gateway-process.ts with the environment of deploy/penghubung.service, embedded store.',
      '',
      '| exchange | req/s | p50 ms | p99 ms | gateway CPU µs/exchange (rounds) | main thread µs/exchange (rounds) | non-2xx |',
      '| --- | --: | --: | --: | --: | --: | --: |',
      ...part2.rows.map((row) => `| ${row.label} | ${row.m.rps.toFixed(0)} | ${row.m.p50.toFixed(2)} | ${row.m.p99.toFixed(2)} | ${fixed(row.m.proxyCpuUs)} (${row.m.cpuRange?.map(fixed).join('-') ?? ''}) | ${fixed(row.mainUs)} (${row.mainRange.map(fixed).join('-')}) | ${row.m.non2xx} |`),
      `| **difference** | | | | ${fixed(withReceipt.m.proxyCpuUs - without.m.proxyCpuUs)} | ${fixed(withReceipt.mainUs - without.mainUs)} | |`,
      '',
    );
  }
  // The gateway's thread is what every exchange waits for: the aim is read there first.
  const met = receipt!.one.mainUs <= signature!.one.mainUs && receipt!.many.mainUs <= signature!.many.mainUs;
  const worth = (cost: Cost, one: Cost) => (cost.processUs / one.processUs).toFixed(2);
  lines.push(
    '## The aim: a receipt costs at most one Ed25519 signature',
    '',
    `${met ? '**Met on the gateway\'s thread**' : '**Not met on the gateway\'s thread**'}: it spends ${fixed(receipt!.one.mainUs)} µs per receipt one at a time and ${fixed(receipt!.many.mainUs)} µs 32 at a time, where one signature on it takes ${fixed(signature!.one.mainUs)} and ${fixed(signature!.many.mainUs)} µs: the signature runs on libuv's pool. Counting every thread a receipt is ${worth(receipt!.one, signature!.one)} signatures' worth one at a time (${fixed(receipt!.one.processUs)} µs) and ${worth(receipt!.many, signature!.many)} 32 at a time (${fixed(receipt!.many.processUs)} µs): handing the signature to the pool and waking up for it costs CPU too, the less the more receipts are in flight. The hashes and the payload alone are ${fixed(hashes!.one.processUs)} and ${fixed(hashes!.many.processUs)} µs.`,
    '',
    `Signed on the gateway's thread instead, a receipt costs ${fixed(onThread!.one.processUs)} and ${fixed(onThread!.many.processUs)} µs in all, nearly all of it on that thread (${fixed(onThread!.one.mainUs)} and ${fixed(onThread!.many.mainUs)} µs); jose's \`CompactSign\` (WebCrypto, on the same pool) ${fixed(jose!.one.processUs)} and ${fixed(jose!.many.processUs)} µs, ${fixed(jose!.one.mainUs)} and ${fixed(jose!.many.mainUs)} µs of the thread. The JWS is the same bytes either way (test/receipts.test.ts checks ours against jose's).`,
    '',
  );
  if (part2) {
    const [withReceipt, without] = part2.rows as [ExchangeRow, ExchangeRow];
    lines.push(`Per exchange, the gateway process spent ${fixed(withReceipt.m.proxyCpuUs - without.m.proxyCpuUs)} µs more with a receipt (main thread ${fixed(withReceipt.mainUs - without.mainUs)} µs). Beside the receipt itself this carries holding the answer whole before it is sent, and the rows' noise: an A/A run (both rows without receipts) differed by 10-40 µs on this machine.`, '');
  }
  const text = lines.join('\n');
  console.log(`\n${text}`);
  if (!args['no-write']) {
    writeFileSync(here('./RESULTS-receipts.md'), text);
    console.log(`receipts: wrote ${here('./RESULTS-receipts.md')}`);
  }
}

await main();
