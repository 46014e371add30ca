import type { Insertable } from 'kysely';
import type { BulkColumn } from '../store/bulk.ts';
import type { TrafficLogTable } from '../store/schema.ts';

/** One exchange as written to the traffic log. */
export interface TrafficRow {
  logId: string;
  requestId: string;
  at: string;
  listener: string;
  consumer: string | null;
  contract: string | null;
  operation: string | null;
  method: string;
  path: string;
  status: number;
  errorCode: string | null;
  totalMs: number;
  upstreamMs: number | null;
  bytesIn: number;
  bytesOut: number;
  requestSha256: string | null;
  responseSha256: string | null;
  clientAddress: string | null;
  traceId: string | null;
  /** Partner calls (external listener): who, under which PKS, with which certificate. */
  partner?: string | null;
  agreement?: string | null;
  certFingerprint?: string | null;
  /**
   * The row's place in its instance's hash chain (gateway/traffic/chain.ts), set by the writer
   * when the row joins a batch; absent on a row not yet chained, null on one written before chains.
   */
  chain?: string | null;
  chainSeq?: number | null;
  hash?: string | null;
}

/** Column name and Postgres array type of each field, in insert order. */
export const trafficColumns: [keyof TrafficRow, string, string][] = [
  ['logId', 'log_id', 'uuid'],
  ['requestId', 'request_id', 'text'],
  ['at', 'at', 'timestamptz'],
  ['listener', 'listener', 'text'],
  ['consumer', 'consumer', 'text'],
  ['contract', 'contract', 'text'],
  ['operation', 'operation', 'text'],
  ['method', 'method', 'text'],
  ['path', 'path', 'text'],
  ['status', 'status', 'int4'],
  ['errorCode', 'error_code', 'text'],
  ['totalMs', 'total_ms', 'float8'],
  ['upstreamMs', 'upstream_ms', 'float8'],
  ['bytesIn', 'bytes_in', 'int8'],
  ['bytesOut', 'bytes_out', 'int8'],
  ['requestSha256', 'request_sha256', 'text'],
  ['responseSha256', 'response_sha256', 'text'],
  ['clientAddress', 'client_address', 'text'],
  ['traceId', 'trace_id', 'text'],
  ['partner', 'partner', 'text'],
  ['agreement', 'agreement', 'text'],
  ['certFingerprint', 'cert_fingerprint', 'text'],
];

/**
 * The chain's columns: written with every row, but not part of what a search shows (the exchange),
 * which is why they are not in `trafficColumns`.
 */
export const trafficChainColumns: [keyof TrafficRow, string, string][] = [
  ['chain', 'chain', 'text'],
  ['chainSeq', 'chain_seq', 'int8'],
  ['hash', 'hash', 'text'],
];

const writtenColumns = [...trafficColumns, ...trafficChainColumns];

/** The columns as the store's bulk writes take them. */
export const trafficBulkColumns: readonly BulkColumn[] = writtenColumns.map(([, name, type]) => ({ name, type }));

/** A row's values in `trafficBulkColumns` order. */
export const trafficValues = (row: TrafficRow): unknown[] => writtenColumns.map(([field]) => row[field] ?? null);

/** A row as the query layer inserts it. */
export const trafficRecord = (row: TrafficRow): Insertable<TrafficLogTable> =>
  Object.fromEntries(writtenColumns.map(([field, column]) => [column, row[field] ?? null])) as unknown as Insertable<TrafficLogTable>;
