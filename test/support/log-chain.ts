import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { CompactSign, exportJWK, generateKeyPair, type CryptoKey, type JSONWebKeySet } from 'jose';
import { sql } from 'kysely';
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
