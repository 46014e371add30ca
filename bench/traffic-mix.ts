// Traffic-log rows as a regional gateway's month might hold them, for bench/console-queries.ts:
// ten contracts of very different popularity, twenty PD applications that each mostly call three
// of them, three partners on the external listener, office hours busier than nights (WIB), about
// 3% 4xx and 1% 5xx with a few codes common and some rare, latencies log-normal per contract, and
// a few rows replayed late (written after newer ones, their `at` older). The same rows every run.
import { timeOrderedUuid } from '../gateway/pipeline/exchange.ts';
import type { TrafficRow } from '../gateway/traffic/row.ts';

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Index drawn with the given weights. */
function picker(weights: number[]): (r: number) => number {
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative = weights.map(((sum) => (w: number) => (sum += w / total))(0));
  return (r) => {
    const i = cumulative.findIndex((c) => r < c);
    return i < 0 ? weights.length - 1 : i;
  };
}

export const mixContracts = [
  { id: 'bkn-siasn', upstream: 'bkn-siasn', medianMs: 180 },
  { id: 'dukcapil-nik', upstream: 'dukcapil', medianMs: 90 },
  { id: 'sandbox-direktori', upstream: 'sandbox', medianMs: 12 },
  { id: 'splp-wilayah', upstream: 'splp', medianMs: 140 },
  { id: 'sipd', upstream: 'sipd', medianMs: 600 },
  { id: 'sp4n-lapor', upstream: 'sp4n-lapor', medianMs: 250 },
  { id: 'jdihn', upstream: null, medianMs: 8 },
  { id: 'bpjs-kepesertaan', upstream: 'splp', medianMs: 220 },
  { id: 'disdik-sekolah', upstream: 'disdik', medianMs: 45 },
  { id: 'dinkes-faskes', upstream: 'dinkes', medianMs: 60 },
] as const;
export const mixConsumers = Array.from({ length: 20 }, (_, i) => `app-${String(i + 1).padStart(2, '0')}`);
export const mixPartners = ['bank-sumsel-babel', 'bpjs-kesehatan', 'notaris-sejahtera'];
/** Contracts partners may call. */
const partnerContracts = [1, 3, 7];

const fourxx = [
  { status: 422, code: 'CONTRACT_VALIDATION_FAILED', weight: 35 },
  { status: 404, code: null, weight: 25 },
  { status: 429, code: 'RATE_LIMITED', weight: 20 },
  { status: 403, code: 'SCOPE_DENIED', weight: 10 },
  { status: 401, code: 'TOKEN_EXPIRED', weight: 9 },
  { status: 400, code: 'JSON_DUPLICATE_KEY', weight: 0.2 },
];
const fivexx = [
  { status: 504, code: 'UPSTREAM_TIMEOUT', weight: 45 },
  { status: 502, code: 'UPSTREAM_UNAVAILABLE', weight: 40 },
  { status: 503, code: 'UPSTREAM_CIRCUIT_OPEN', weight: 14 },
  { status: 500, code: 'INTERNAL_ERROR', weight: 0.2 },
];

/** Relative traffic per hour of the day in WIB (UTC+7): busy office hours, quiet nights. */
const hourlyWeight = [0.15, 0.1, 0.08, 0.08, 0.1, 0.2, 0.5, 1.2, 2.2, 2.6, 2.6, 2.3, 1.6, 2.2, 2.4, 2.0, 1.3, 0.8, 0.6, 0.5, 0.4, 0.35, 0.25, 0.2];

/**
 * `count` rows over the `days` before `end`, in the order they are written (seq order), handed
 * over in batches of `batch`.
 */
export function* trafficMix(count: number, days: number, end: number, batch = 5000): Generator<TrafficRow[], void> {
  const rand = random(25);
  const span = days * 86_400_000;
  // Inter-arrival gaps shaped by the hour of day, scaled to fill the span exactly.
  const start = end - span;
  const gaps = new Float64Array(count);
  let t = start;
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const wib = Math.floor(((t / 3_600_000) + 7) % 24);
    gaps[i] = (-Math.log(1 - rand()) / hourlyWeight[wib]!) * (span / count);
    t += gaps[i]!;
    sum += gaps[i]!;
  }
  const scale = span / sum;
  const contractOf = picker(mixContracts.map((_, k) => 1 / (k + 1) ** 0.8));
  const consumerOf = picker(mixConsumers.map((_, k) => 1 / (k + 1) ** 0.7));
  const favourites = mixConsumers.map((_, k) => [k % 10, (k * 3 + 1) % 10, (k * 7 + 2) % 10]);
  const fourxxOf = picker(fourxx.map((e) => e.weight));
  const fivexxOf = picker(fivexx.map((e) => e.weight));
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  let at = start;
  let rows: TrafficRow[] = [];
  for (let i = 0; i < count; i++) {
    at += gaps[i]! * scale;
    const external = rand() < 0.06;
    const unrouted = !external && rand() < 0.004;
    const consumerIndex = consumerOf(rand());
    const contractIndex = external
      ? partnerContracts[Math.floor(rand() * partnerContracts.length)]!
      : rand() < 0.9 ? favourites[consumerIndex]![Math.floor(rand() * 3)]! : contractOf(rand());
    const contract = mixContracts[contractIndex]!;
    const r = rand();
    const error = unrouted ? { status: 404, code: 'CONTRACT_NOT_FOUND' }
      : r < 0.01 ? fivexx[fivexxOf(rand())]!
      : r < 0.04 ? (external && rand() < 0.2 ? { status: 429, code: 'QUOTA_EXCEEDED' } : fourxx[fourxxOf(rand())]!)
      : null;
    const totalMs = error?.status === 504 ? 10_000 + rand() * 50
      : error && error.status < 500 && error.code !== null ? 0.3 + rand() * 2
      : contract.medianMs * Math.exp(0.6 * normal());
    // One row in 300 was spooled and replayed: written now, its exchange up to two hours older.
    const time = rand() < 1 / 300 ? at - rand() * 7_200_000 : at;
    const operation = `op${Math.floor(rand() * 3) + 1}`;
    rows.push({
      logId: timeOrderedUuid(), requestId: timeOrderedUuid(), at: new Date(time).toISOString(), listener: external ? 'external' : 'internal',
      consumer: external ? null : mixConsumers[consumerIndex]!, contract: unrouted ? null : contract.id, operation: unrouted ? null : operation,
      method: operation === 'op3' ? 'POST' : 'GET', path: `/${contract.id}/v1/${operation}/${Math.floor(rand() * 1e6)}`,
      status: error?.status ?? (operation === 'op3' ? 201 : 200), errorCode: error?.code ?? null,
      totalMs: Math.round(totalMs * 1000) / 1000, upstreamMs: error && error.status < 500 ? null : Math.round(totalMs * 900) / 1000,
      bytesIn: operation === 'op3' ? 420 : 0, bytesOut: 800, requestSha256: null, responseSha256: 'ab'.repeat(32), clientAddress: '10.20.30.40',
      traceId: null, partner: external ? mixPartners[Math.floor(rand() * mixPartners.length)]! : null,
      agreement: external ? 'PKS/001/2026' : null, certFingerprint: null,
    });
    if (rows.length === batch) {
      yield rows;
      rows = [];
    }
  }
  if (rows.length > 0) yield rows;
}
