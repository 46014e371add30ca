import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chainHash, emptyChain, genesisHash, hashBytes, hashHex, storedText, type ChainHead } from '../store/log-chain.ts';
import type { Queryable } from '../store/store.ts';
import { trafficChainColumns, trafficColumns, type TrafficRow } from './row.ts';

/**
 * What a traffic row's hash covers (docs/integrity.md): every column the exchange wrote,
 * named as in the table, and the row's chain and place in it; not `seq` (the store's own order,
 * which a spool replay changes) and not the hash itself. RFC 8785 orders members by the UTF-16
 * code units of their names (JavaScript's default sort).
 */
export const trafficEncodedColumns: readonly string[] = [...trafficColumns, ...trafficChainColumns]
  .filter(([field]) => field !== 'hash').map(([, column]) => column).sort();

/**
 * The RFC 8785 (JCS) encoding of a traffic row: one JSON object, every column present (null where
 * the row has none). Its values are strings, finite numbers and nulls only, for which JCS is what
 * `JSON.stringify` writes, and `JSON.stringify` keeps the members in the order written here, the
 * sorted one: so one call on a literal gives the canonical text, for less than the generic
 * `canonicalize` costs (bench/RESULTS-chain.md; test/log-chain.test.ts checks both agree).
 */
export function canonicalTraffic(row: TrafficRow): string {
  return JSON.stringify({
    agreement: row.agreement ?? null,
    at: row.at ?? null,
    bytes_in: row.bytesIn ?? null,
    bytes_out: row.bytesOut ?? null,
    cert_fingerprint: row.certFingerprint ?? null,
    chain: row.chain ?? null,
    chain_seq: row.chainSeq ?? null,
    client_address: row.clientAddress ?? null,
    consumer: row.consumer ?? null,
    contract: row.contract ?? null,
    error_code: row.errorCode ?? null,
    listener: row.listener ?? null,
    log_id: row.logId ?? null,
    method: row.method ?? null,
    operation: row.operation ?? null,
    partner: row.partner ?? null,
    path: row.path ?? null,
    request_id: row.requestId ?? null,
    request_sha256: row.requestSha256 ?? null,
    response_sha256: row.responseSha256 ?? null,
    status: row.status ?? null,
    total_ms: row.totalMs ?? null,
    trace_id: row.traceId ?? null,
    upstream_ms: row.upstreamMs ?? null,
  });
}

// A column added to the row but not to the literal above would go unhashed: refused at load.
const written = Object.keys(JSON.parse(canonicalTraffic({} as TrafficRow)) as object);
if (written.join() !== trafficEncodedColumns.join()) throw new Error(`canonicalTraffic writes ${written.join()}, the table has ${trafficEncodedColumns.join()}`);

const textFields = [...trafficColumns, ...trafficChainColumns].filter(([, , type]) => type === 'text' || type === 'uuid').map(([field]) => field);

/**
 * One instance's traffic chain as its writer continues it: the head (last place and hash) in
 * memory, so that chaining a row costs no store round trip.
 */
export class TrafficChain {
  readonly id: string;
  private head: ChainHead;

  constructor(id: string, head: ChainHead = emptyChain()) {
    this.id = id;
    this.head = head;
  }

  /** The place and hash of the last row chained. */
  get last(): { seq: number; hash: string } {
    return { seq: this.head.seq, hash: hashHex(this.head.hash) };
  }
  /**
   * Gives `row` the next place in the chain and its hash. A row chained already (a batch that
   * went back to the queue) keeps what it has. Its text is made what the store will keep.
   */
  seal(row: TrafficRow): void {
    if (row.hash) return;
    row.chain = this.id;
    row.chainSeq = this.head.seq + 1;
    let canonical = canonicalTraffic(row);
    // JSON.stringify writes a lone surrogate as a `\udxxx` escape (and nothing else so): one look
    // at the whole text rather than a check of each field, since such a string is that rare.
    if (canonical.includes('\\ud')) {
      const fields = row as unknown as Record<string, unknown>;
      for (const field of textFields) if (typeof fields[field] === 'string') fields[field] = storedText(fields[field]);
      canonical = canonicalTraffic(row);
    }
    const hash = chainHash(this.head.hash, canonical);
    row.hash = hashHex(hash);
    this.head = { seq: row.chainSeq, hash };
  }
}

/**
 * The last row of chain `id` in the store: the chain's head when nothing newer waits in a spool
 * file. One indexed read, once, when the writer starts.
 */
export async function storedTrafficHead(db: Queryable, id: string): Promise<ChainHead> {
  const row = await db.db.selectFrom('traffic_log').select(['chain_seq', 'hash'])
    .where('chain', '=', id).where('chain_seq', 'is not', null)
    .orderBy('chain_seq', 'desc').limit(1).executeTakeFirst();
  return headOf(row?.chain_seq, row?.hash);
}

/**
 * A head from a stored or spooled row. A hash that is not 64 hex digits (a hand edit) counts as
 * the genesis hash, as `penghubung log verify` counts it when it resumes after a bad row.
 */
export function headOf(seq: number | null | undefined, hash: string | null | undefined): ChainHead {
  if (seq === null || seq === undefined) return emptyChain();
  return { seq: Number(seq), hash: hashBytes(hash) ?? genesisHash };
}

/** The later of two heads. */
export const laterHead = (a: ChainHead, b: ChainHead): ChainHead => (b.seq > a.seq ? b : a);

/**
 * The last row of chain `id` in the spool files under `directory`, those set aside included
 * (their rows will not reach the store, but their places were taken). A file's rows are in chain
 * order, so its last line is its highest; the files are not, since a batch that failed may be
 * spooled after the rows behind it.
 */
export function spooledTrafficHead(directory: string, id: string): ChainHead {
  let head = emptyChain();
  let names: string[];
  try {
    names = readdirSync(directory).filter((name) => name.includes('.ndjson') && !name.startsWith('.'));
  } catch {
    return head;
  }
  for (const name of names) {
    try {
      const text = readFileSync(join(directory, name), 'utf8').trimEnd();
      const last = JSON.parse(text.slice(text.lastIndexOf('\n') + 1)) as TrafficRow;
      if (last.chain === id) head = laterHead(head, headOf(last.chainSeq, last.hash));
    } catch {
      // A file cut short or edited by hand: it cannot be replayed either (the replay sets it aside).
    }
  }
  return head;
}
