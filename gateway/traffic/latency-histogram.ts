/**
 * Latency histograms of the traffic rollups (rollup.ts): counts per fixed, log-spaced bucket, so
 * that the buckets of any minutes, hours, contracts or callers add up, and a percentile of the sum
 * is estimated from the sum alone.
 *
 * Bucket 0 holds [0, 0.1 ms); bucket i (1..73) holds [0.1 * 1.2^(i-1), 0.1 * 1.2^i) ms, the last
 * one ending just past 60 s; bucket 74 holds everything from there on. A percentile is estimated
 * by the nearest rank (the ceil(p * n)-th smallest exchange), placed inside its bucket by its rank
 * there, geometrically between the bucket's bounds. The estimate is therefore in the same bucket
 * as the exact value: **for latencies from 0.1 ms to 60 s, within a factor 1.2 of the exact
 * percentile (at most +20% / -16.7%)**; below 0.1 ms it is under 0.1 ms, and from 60 s on it is
 * reported as the last bound (about 60.4 s).
 */

/** Ratio of one bucket's bounds. */
export const bucketRatio = 1.2;
const firstBound = 0.1;
/** Buckets with both bounds: the last ends at 0.1 * 1.2^73 ms, just past 60 s. */
const boundedBuckets = Math.ceil(Math.log(60_000 / firstBound) / Math.log(bucketRatio));
export const overflowBucket = boundedBuckets + 1;
const logRatio = Math.log(bucketRatio);

/** Upper bound (ms) of bucket `index`; its lower bound is the upper bound of `index - 1` (0 for bucket 0). */
function upperBound(index: number): number {
  return firstBound * bucketRatio ** index;
}

/** The bucket of a latency in ms. */
export function bucketOf(ms: number): number {
  if (!(ms >= firstBound)) return 0;
  // The float logarithm can land a hair off at an exact bound: the bounds themselves decide.
  let index = Math.floor(Math.log(ms / firstBound) / logRatio) + 1;
  if (ms < upperBound(index - 1)) index -= 1;
  else if (ms >= upperBound(index)) index += 1;
  return Math.min(index, overflowBucket);
}

/** Exchanges per bucket, dense: `histogram[i]` for bucket i (0..overflowBucket). */
export type Histogram = Float64Array;

/**
 * As stored: the non-empty buckets as a flat JSON array of pairs, bucket then exchanges,
 * `[31,4,32,17]`: the smallest text and the quickest to parse. Reads keep the parsed arrays as
 * they come, and add them up only where a figure needs the sum.
 */
export type Pairs = readonly number[];

export const emptyHistogram = (): Histogram => new Float64Array(overflowBucket + 1);

export function addPairs(target: Histogram, pairs: Pairs): void {
  for (let i = 0; i < pairs.length; i += 2) target[Math.min(pairs[i]!, overflowBucket)]! += pairs[i + 1]!;
}

export function histogramJson(histogram: Histogram): string {
  const pairs: number[] = [];
  for (let i = 0; i < histogram.length; i++) if (histogram[i]! > 0) pairs.push(i, histogram[i]!);
  return JSON.stringify(pairs);
}

/** Estimated percentiles (`ps` in 0..1) in ms, or null each for an empty histogram. */
export function percentiles(histogram: Histogram, ps: readonly number[]): (number | null)[] {
  let total = 0;
  for (const count of histogram) total += count;
  if (total === 0) return ps.map(() => null);
  return ps.map((p) => {
    const rank = Math.max(1, Math.ceil(p * total));
    let before = 0;
    let last = 0;
    for (let index = 0; index < histogram.length; index++) {
      const count = histogram[index]!;
      if (count === 0) continue;
      last = index;
      if (before + count >= rank) return estimateIn(index, (rank - before) / count);
      before += count;
    }
    return estimateIn(last, 1);
  });
}

const scratch = emptyHistogram();

/** Percentiles of the sum of several stored histograms, without keeping the sum. */
export function percentilesOfParts(parts: readonly Pairs[], ps: readonly number[]): (number | null)[] {
  scratch.fill(0);
  for (const pairs of parts) addPairs(scratch, pairs);
  return percentiles(scratch, ps);
}

/** A value `fraction` (0..1] of the way through bucket `index`, rounded to the microsecond. */
function estimateIn(index: number, fraction: number): number {
  const round = (ms: number) => Math.round(ms * 1000) / 1000;
  if (index === 0) return round(firstBound * fraction);
  if (index >= overflowBucket) return round(upperBound(boundedBuckets));
  const lower = upperBound(index - 1);
  return round(lower * bucketRatio ** fraction);
}
