import { compactVerify, createLocalJWKSet, errors, type JSONWebKeySet } from 'jose';
import type { Kysely } from 'kysely';
import { canonicalAudit, type AuditChained } from '../audit/chain.ts';
import { chainHash, genesisHash, hashBytes, hashHex } from '../store/log-chain.ts';
import type { Store } from '../store/store.ts';
import { canonicalTraffic } from '../traffic/chain.ts';
import { trafficChainColumns, trafficColumns, type TrafficRow } from '../traffic/row.ts';
import { checkpointType, type CheckpointPayload, type LogName } from './checkpoints.ts';

/** The first thing found wrong in a chain: the place (`chain_seq`) and why. */
export interface Finding { seq: number; reason: string }

export interface ChainReport {
  log: LogName;
  chain: string;
  /** Rows read, and their highest place. */
  rows: number;
  head: number;
  /** Checkpoints read (each one's signature checked), and the last one's place and time. */
  checkpoints: number;
  lastCheckpoint: { seq: number; at: string } | null;
  /** Everything found wrong, and the lowest place of it. */
  problems: number;
  firstBad: Finding | null;
}

export interface LogReport {
  log: LogName;
  chains: ChainReport[];
  /** Rows without chain columns below the first chained row: written before migration 0016. */
  beforeChain: number;
  /** Rows without a place in any chain after chaining began: no hash covers them. */
  outsideChain: { rows: number; firstStoreSeq: number } | null;
}

export interface VerifyOptions {
  logs?: readonly LogName[];
  /** Only this chain (of whichever log has it). */
  chain?: string;
  /** The public keys checkpoints are checked against. */
  jwks: JSONWebKeySet;
  /** Rows per read: at most this many (and their duplicates) are held at once. */
  pageRows?: number;
}

/** What verification reads: a store, or (to verify what a transaction sees) one of its transactions. */
export type ChainStore = Pick<Store, 'db' | 'read'>;

/** Whether a report found nothing wrong. */
export const clean = (reports: readonly LogReport[]) => reports.every((report) => report.outsideChain === null && report.chains.every((chain) => chain.problems === 0));

type StoredRow = Record<string, unknown> & { seq: number; chain_seq: number; hash: string | null };

/** How each log's rows are read and encoded for their hash. */
const logs: Record<LogName, { table: 'traffic_log' | 'audit_log'; encode: (row: StoredRow) => string }> = {
  traffic: {
    table: 'traffic_log',
    encode: (row) => canonicalTraffic(Object.fromEntries([...trafficColumns, ...trafficChainColumns].map(([field, column]) => [field, row[column] ?? null])) as unknown as TrafficRow),
  },
  audit: {
    table: 'audit_log',
    encode: ({ seq: _seq, hash: _hash, ...row }) => canonicalAudit(row as unknown as AuditChained),
  },
};

/**
 * Recomputes every chain of the chosen logs from the store, page by page in place order, and
 * checks each checkpoint's signature and that it names the hash the chain has at its place.
 */
export async function verifyLogs(store: ChainStore, options: VerifyOptions): Promise<LogReport[]> {
  const keys = createLocalJWKSet(options.jwks);
  const reports: LogReport[] = [];
  for (const log of options.logs ?? ['traffic', 'audit'] as const) {
    const { table } = logs[log];
    const loose = store.db as unknown as Kysely<Record<string, Record<string, unknown>>>;
    const names = options.chain ? [options.chain] : await chainsOf(store, log);
    const chains: ChainReport[] = [];
    for (const chain of names) {
      const report = await verifyChain(store, log, chain, keys, options.pageRows ?? 1000);
      // A chain asked for by name is reported only by the log that has it.
      if (!options.chain || report.rows > 0 || report.checkpoints > 0) chains.push(report);
    }
    const [first] = await store.read(loose.selectFrom(table).select((eb) => eb.fn.min<number>('seq').as('seq')).where('chain', 'is not', null));
    const firstChained = first?.seq === null || first?.seq === undefined ? null : Number(first.seq);
    const unchained = (below: boolean) => loose.selectFrom(table)
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min<number>('seq').as('first')])
      .where((eb) => eb.or([eb('chain', 'is', null), eb('chain_seq', 'is', null)]))
      .$if(firstChained !== null, (q) => q.where('seq', below ? '<' : '>', firstChained!));
    const [before] = await store.read(unchained(true));
    const [after] = firstChained === null ? [undefined] : await store.read(unchained(false));
    reports.push({
      log,
      chains,
      beforeChain: Number(before?.n ?? 0),
      outsideChain: after && Number(after.n) > 0 ? { rows: Number(after.n), firstStoreSeq: Number(after.first) } : null,
    });
  }
  return reports;
}

/** The chains of a log: those with rows, and those with only checkpoints left (every row gone). */
async function chainsOf(store: ChainStore, log: LogName): Promise<string[]> {
  const loose = store.db as unknown as Kysely<Record<string, { chain: string | null }>>;
  const withRows = await store.read(loose.selectFrom(logs[log].table).select('chain').distinct().where('chain', 'is not', null));
  const signed = await store.read(store.db.selectFrom('log_checkpoints').select('chain').distinct().where('log', '=', log));
  return [...new Set([...withRows, ...signed].map((row) => row.chain!))].sort();
}

type Keys = ReturnType<typeof createLocalJWKSet>;

interface CheckpointRow { chain_seq: number; hash: string; at: string; jws: string }

/** One chain, walked in place order (then store order, so that rows at one place come together). */
async function verifyChain(store: ChainStore, log: LogName, chain: string, keys: Keys, pageRows: number): Promise<ChainReport> {
  const report: ChainReport = { log, chain, rows: 0, head: 0, checkpoints: 0, lastCheckpoint: null, problems: 0, firstBad: null };
  const found = (seq: number, reason: string) => {
    report.problems += 1;
    if (!report.firstBad || seq < report.firstBad.seq) report.firstBad = { seq, reason };
  };
  /** A checkpoint's signature and columns; its payload when the signature holds. */
  const signed = async (checkpoint: CheckpointRow) => {
    report.checkpoints += 1;
    report.lastCheckpoint = { seq: checkpoint.chain_seq, at: checkpoint.at };
    const { payload, problem } = await readCheckpoint(checkpoint, log, chain, keys);
    if (problem) found(checkpoint.chain_seq, problem);
    return payload;
  };
  const { table, encode } = logs[log];
  const loose = store.db as unknown as Kysely<Record<string, StoredRow>>;
  const checkpoints = checkpointReader(store, log, chain, pageRows);
  let pending = await checkpoints.next();
  let expected = 1;
  let previous = genesisHash;
  // From the lowest place there is: a row forged below 1 is read too.
  const [lowest] = await store.read(loose.selectFrom(table).select((eb) => eb.fn.min<number>('chain_seq').as('chain_seq')).where('chain', '=', chain));
  let low = Math.min(0, Number(lowest?.chain_seq ?? 1) - 1);
  for (;;) {
    const rows = await store.read(loose.selectFrom(table).selectAll()
      .where('chain', '=', chain).where('chain_seq', '>', low).where('chain_seq', '<=', low + pageRows)
      .orderBy('chain_seq').orderBy('seq')) as StoredRow[];
    if (rows.length === 0) {
      // A range with no row (a gap, or a forged place far ahead): on to the next place there is.
      const [next] = await store.read(loose.selectFrom(table).select((eb) => eb.fn.min<number>('chain_seq').as('chain_seq')).where('chain', '=', chain).where('chain_seq', '>', low));
      if (next?.chain_seq === null || next?.chain_seq === undefined) break;
      low = Number(next.chain_seq) - 1;
      continue;
    }
    for (let i = 0; i < rows.length;) {
      const seq = Number(rows[i]!.chain_seq);
      let end = i;
      while (end < rows.length && Number(rows[end]!.chain_seq) === seq) end += 1;
      const group = rows.slice(i, end);
      i = end;
      report.rows += group.length;
      if (seq < 1) {
        found(seq, `${group.length === 1 ? 'a row holds' : `${group.length} rows hold`} place ${seq}, and places start at 1`);
        continue;
      }
      report.head = seq;
      // After a gap, the first row's hash cannot be checked (the row before it is gone): taken as is.
      const afterGap = seq > expected;
      if (afterGap) found(expected, seq === expected + 1 ? `row ${expected} is missing` : `rows ${expected} to ${seq - 1} are missing`);
      if (group.length > 1) found(seq, `${group.length} rows hold place ${seq}`);
      // Of rows at one place, the one that continues the chain (if any) is the chain's.
      const hashes = group.map((row) => chainHash(previous, encode(row)));
      const match = group.findIndex((row, k) => row.hash === hashHex(hashes[k]!));
      if (match >= 0) previous = hashes[match]!;
      else {
        if (!afterGap) found(seq, `the row's hash does not match its content and the row before it (store seq ${group[0]!.seq})`);
        previous = hashBytes(group[0]!.hash) ?? genesisHash;
      }
      expected = seq + 1;
      // Checkpoints of places below this one name rows that are not there: the gap is reported.
      while (pending && pending.chain_seq <= seq) {
        const payload = await signed(pending);
        if (payload && pending.chain_seq === seq && payload.hash !== hashHex(previous)) {
          found(seq, `the chain's hash at ${seq} is not the one signed at ${pending.at}: a row at or before ${seq} was changed`);
        }
        pending = await checkpoints.next();
      }
    }
    low += pageRows;
  }
  // Checkpoints past the last row: the rows up to them were there when they were signed.
  for (; pending; pending = await checkpoints.next()) {
    await signed(pending);
    found(report.head + 1, `rows ${report.head + 1} to ${pending.chain_seq} are missing: a checkpoint signed at ${pending.at} names row ${pending.chain_seq}`);
  }
  return report;
}

/** A chain's checkpoints in place order, read a page at a time. */
function checkpointReader(store: ChainStore, log: LogName, chain: string, pageRows: number): { next(): Promise<CheckpointRow | undefined> } {
  let page: CheckpointRow[] = [];
  let after = 0;
  let done = false;
  return {
    async next() {
      if (page.length === 0 && !done) {
        page = await store.read(store.db.selectFrom('log_checkpoints').select(['chain_seq', 'hash', 'at', 'jws'])
          .where('log', '=', log).where('chain', '=', chain).where('chain_seq', '>', after)
          .orderBy('chain_seq').limit(pageRows));
        done = page.length < pageRows;
        if (page.length > 0) after = Number(page.at(-1)!.chain_seq);
      }
      const next = page.shift();
      return next && { ...next, chain_seq: Number(next.chain_seq) };
    },
  };
}

/**
 * A checkpoint's signature (against the JWKS, EdDSA only, of the checkpoint type) and whether its
 * columns are what was signed. The payload, once the signature holds, is what counts.
 */
async function readCheckpoint(checkpoint: CheckpointRow, log: LogName, chain: string, keys: Keys): Promise<{ payload?: CheckpointPayload; problem?: string }> {
  const at = checkpoint.chain_seq;
  let verified;
  try {
    verified = await compactVerify(checkpoint.jws, keys, { algorithms: ['EdDSA', 'Ed25519'] });
  } catch (error) {
    if (error instanceof errors.JWKSNoMatchingKey) return { problem: `the checkpoint at ${at} is signed by a key the JWKS does not have` };
    return { problem: `the checkpoint at ${at} has no valid signature (${(error as Error).message})` };
  }
  if (verified.protectedHeader.typ !== checkpointType) return { problem: `the checkpoint at ${at} is a signed ${String(verified.protectedHeader.typ)}, not a ${checkpointType}` };
  let payload: CheckpointPayload;
  try {
    payload = JSON.parse(new TextDecoder().decode(verified.payload)) as CheckpointPayload;
  } catch {
    return { problem: `the checkpoint at ${at} signs something that is not JSON` };
  }
  if (payload.log !== log || payload.chain !== chain || payload.chain_seq !== at) {
    return { problem: `the checkpoint at ${at} signs place ${payload.chain_seq} of ${payload.log} chain ${payload.chain}` };
  }
  if (payload.hash !== checkpoint.hash || payload.at !== new Date(checkpoint.at).toISOString()) {
    return { payload, problem: `the checkpoint at ${at} was edited: its hash or time is not what was signed` };
  }
  return { payload };
}
