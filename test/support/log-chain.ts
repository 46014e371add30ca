import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import canonicalize from 'canonicalize';
import { CompactSign, exportJWK, generateKeyPair, type CryptoKey, type JSONWebKeySet } from 'jose';
import { sql, type Kysely } from 'kysely';
import { expect } from 'vitest';
import { trafficChainColumns, trafficColumns, type TrafficRow } from '../../gateway/traffic/row.ts';
import type { Harness } from './harness.ts';
import type { CheckpointSigner } from '../../gateway/integrity/checkpoints.ts';
import { SigningKeys } from '../../gateway/integrity/keys.ts';
import type { ChainStore } from '../../gateway/integrity/verify.ts';
import type { Queryable, Store } from '../../gateway/store/store.ts';

/** An Ed25519 key made here, wrapped as the gateway's signer, and its public half as a JWKS. */
export async function testSigner(kid = 'test-key'): Promise<CheckpointSigner & { jwks: JSONWebKeySet; publicKey: CryptoKey }> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  return {
    publicKey,
    jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' }] },
    sign: (payload, typ) => new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'EdDSA', kid, typ }).sign(privateKey),
  };
}

/**
 * The test's keys and the gateway's own (`<dataDir>/keys/`, none until the gateway signs): a
 * gateway that checkpoints its chains when it stops signs with its keys.
 */
export const jwksWith = (jwks: JSONWebKeySet, dataDir: string): JSONWebKeySet => ({ keys: [...jwks.keys, ...SigningKeys.publishedIn(dataDir).keys] });

class Rollback extends Error {}

/**
 * Runs `tamper` on the store, then `look` at the store as it now is, in one transaction that is
 * then rolled back: each test tampers with the same untouched logs.
 */
export async function whileTampered<T>(store: Store, tamper: (tx: Queryable) => Promise<void>, look: (view: ChainStore) => Promise<T>): Promise<T> {
  let result: T | undefined;
  await store.transaction(async (tx) => {
    await tamper(tx);
    result = await look({ db: tx.db, read: async (query) => (await tx.db.executeQuery(query.compile())).rows });
    throw new Rollback();
  }).catch((error: unknown) => {
    if (!(error instanceof Rollback)) throw error;
  });
  return result!;
}

/** What a superuser does before rewriting the audit trail: its append-only triggers out of the way. */
export async function dropAuditTriggers(tx: Queryable): Promise<void> {
  const statements = tx.kind === 'postgres'
    ? ['alter table audit_log disable trigger user']
    : ['drop trigger audit_log_no_update', 'drop trigger audit_log_no_delete'];
  for (const statement of statements) await sql.raw(statement).execute(tx.db);
}

const jsonColumns = new Set(['actor_roles', 'before', 'after']);

/**
 * An auditor's own program, written from docs/integrity.md and sharing no code with the
 * gateway: every column but `seq` and `hash`, JSON columns as their values, RFC 8785 through the
 * `canonicalize` package, SHA-256 after the previous hash (32 zero bytes first). Returns the
 * first place whose hash differs, or 0.
 */
export function auditorRecompute(rows: readonly Record<string, unknown>[]): number {
  let previous = Buffer.alloc(32);
  for (const row of rows) {
    const document = Object.fromEntries(Object.entries(row)
      .filter(([column]) => column !== 'seq' && column !== 'hash')
      .map(([column, value]) => [column, jsonColumns.has(column) && typeof value === 'string' ? JSON.parse(value) as unknown : value]));
    const hash = createHash('sha256').update(previous).update(canonicalize(document)!, 'utf8').digest();
    if (hash.toString('hex') !== row.hash) return Number(row.chain_seq);
    previous = hash;
  }
  return 0;
}

/** `n` exchanges: ordinary GETs, and every fourth one refused (no token) so rows differ. */
export async function exchanges(h: Harness, prefix: string, n: number): Promise<void> {
  const token = await h.token('app-reader');
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${h.url}/sandbox/v1/perangkat-daerah/2.16`, { headers: { 'x-request-id': `${prefix}-${i}`, ...(i % 4 === 3 ? {} : { authorization: `Bearer ${token}` }) } });
    expect(res.status).toBe(i % 4 === 3 ? 401 : 200);
    await res.arrayBuffer();
  }
}

export const chainRows = (on: { db: Queryable['db'] }, table: 'traffic_log' | 'audit_log', chain: string) =>
  (on.db as unknown as Kysely<Record<string, Record<string, unknown>>>).selectFrom(table).selectAll().where('chain', '=', chain).orderBy('chain_seq').execute();
/** A stored traffic row back in the writer's form. */
export const asTrafficRow = (stored: Record<string, unknown>) =>
  Object.fromEntries([...trafficColumns, ...trafficChainColumns].map(([field, column]) => [field, stored[column] ?? null])) as unknown as TrafficRow;
export const instanceOf = (h: Harness) => readFileSync(join(h.dataDir, 'instance-id'), 'utf8').trim();
