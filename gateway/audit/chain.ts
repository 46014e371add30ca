import canonicalize from 'canonicalize';
import type { Selectable } from 'kysely';
import { chainHash, hashBytes, genesisHash, hashHex, storedText } from '../store/log-chain.ts';
import type { Queryable } from '../store/store.ts';
import type { AuditLogTable } from '../store/schema.ts';

/**
 * PostgreSQL advisory lock held by each audit write from reading the chain's head until its
 * transaction ends: two writers (the gateway and the CLI, or two instances on one PostgreSQL)
 * never take the same place. SQLite runs one write transaction at a time already.
 */
export const auditChainLock = 7405004;

/** The columns of an audit row as its hash covers them: the stored row but `seq` (this store's order) and `hash`. */
export type AuditChained = Omit<Selectable<AuditLogTable>, 'seq' | 'hash' | 'chain' | 'chain_seq'> & { chain: string; chain_seq: number };

const jsonColumns = ['actor_roles', 'before', 'after'] as const;

/**
 * The RFC 8785 (JCS) encoding of an audit row (docs/integrity.md): one JSON object of
 * every column named as in the table, plus `chain` and `chain_seq`; null where the row has none.
 * The JSON columns go in as the JSON values they hold, not as their text: PostgreSQL's `jsonb`
 * keeps neither the key order nor the spacing of what was written, only the value.
 */
export function canonicalAudit(row: AuditChained): string {
  const document: Record<string, unknown> = { ...row };
  for (const column of jsonColumns) {
    const text = row[column];
    document[column] = text === null || text === undefined ? null : JSON.parse(text) as unknown;
  }
  return canonicalize(document)!;
}

/** The hash of an audit row after the one hashing to `previous`, as stored (hex). */
export const auditHash = (previous: Buffer, row: AuditChained) => hashHex(chainHash(previous, canonicalAudit(row)));

/**
 * Where the next audit row goes: the store's chain (its id), the place after the last row and
 * that row's hash, and the time the row is written at, by the store's clock, in the form both
 * stores give back (milliseconds, UTC), so that what is hashed is what is read back. Takes the
 * lock first: the caller's transaction must be `read committed` (any transaction but a
 * snapshot), or it could read a head older than the last commit.
 */
export async function nextAuditPlace(tx: Queryable): Promise<{ chain: string; seq: number; previous: Buffer; at: string }> {
  await tx.exclusive(auditChainLock);
  const head = await tx.db.selectFrom('store_identity').select((eb) => [
    'store_identity.id',
    eb.selectFrom('audit_log').select('audit_log.chain_seq').whereRef('audit_log.chain', '=', 'store_identity.id')
      .orderBy('audit_log.chain_seq', 'desc').limit(1).as('seq'),
    eb.selectFrom('audit_log').select('audit_log.hash').whereRef('audit_log.chain', '=', 'store_identity.id')
      .orderBy('audit_log.chain_seq', 'desc').orderBy('audit_log.seq', 'desc').limit(1).as('hash'),
    tx.sql.now().as('at'),
  ]).executeTakeFirstOrThrow();
  const seq = Number(head.seq ?? 0);
  return { chain: head.id, seq: seq + 1, previous: seq > 0 ? hashBytes(head.hash) ?? genesisHash : genesisHash, at: new Date(head.at).toISOString() };
}

/**
 * A JSON document as both stores keep it and as RFC 8785 takes it: `JSON.stringify`, with any
 * lone surrogate (which neither UTF-8 nor JCS can carry) made U+FFFD first. JSON.stringify writes
 * a lone surrogate as a `\uDxxx` escape, so only a text with one needs the walk.
 */
export function storedJson(document: unknown): string {
  const text = JSON.stringify(document);
  return /\\u[dD][89a-fA-F]/.test(text) ? JSON.stringify(wellFormed(JSON.parse(text))) : text;
}

/** Plain JSON data (parsed) with every string, member names included, well formed. */
function wellFormed(value: unknown): unknown {
  if (typeof value === 'string') return storedText(value);
  if (Array.isArray(value)) return value.map(wellFormed);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, member]) => [storedText(key), wellFormed(member)]));
  return value;
}

/** The store's audit chain: its id, and its last row's place and hash (none before the first row). */
export async function storedAuditHead(db: Queryable): Promise<{ chain: string; seq: number; hash: string | null }> {
  const { id } = await db.db.selectFrom('store_identity').select('id').executeTakeFirstOrThrow();
  const last = await db.db.selectFrom('audit_log').select(['chain_seq', 'hash']).where('chain', '=', id)
    .orderBy('chain_seq', 'desc').orderBy('seq', 'desc').limit(1).executeTakeFirst();
  return { chain: id, seq: Number(last?.chain_seq ?? 0), hash: last?.hash ?? null };
}
