import { userInfo } from 'node:os';
import { v7 as timeOrderedUuid } from 'uuid';
import type { VerifiedToken } from '../sso/token-verifier.ts';
import { storedText } from '../store/log-chain.ts';
import type { Queryable } from '../store/store.ts';
import { auditHash, nextAuditPlace, storedJson, type AuditChained } from './chain.ts';

/** Who acted: the SSO subject and client of the token, with the roles it carried then. */
export interface AuditActor { subject: string; clientId: string; roles: readonly string[] }

/** One admin change (or one read of personal data), as the audit trail keeps it. */
export interface AuditEntry {
  actor: AuditActor;
  /** `<object type>.<verb>`: `partner.update`, `delivery.retry`, `traffic.read`, ... */
  action: string;
  objectType: string;
  objectId: string;
  /** The object as it was and as it is after the change: JSON documents, null where there is none. */
  before: unknown;
  after: unknown;
  requestId: string | null;
  sourceAddress: string | null;
}

/**
 * What the caller of a change knows of its audit row (who, which request, from where); the
 * function that makes the change adds what it did, seen from inside its transaction.
 */
export type AuditSource = Pick<AuditEntry, 'actor' | 'requestId' | 'sourceAddress'>;

const jsonOrNull = (document: unknown) => (document === undefined || document === null ? null : storedJson(document));
const textOrNull = (text: string | null) => (text === null ? null : storedText(text));

/**
 * Writes `entry` with `tx`, which must be the transaction of the change it records: the change
 * and its row are then committed together or not at all. The time is the store's clock, the
 * one every instance on a shared PostgreSQL agrees on. The row takes the next place in the
 * store's audit chain (chain.ts): the chain's head is read under a lock held until `tx` ends,
 * so `tx` must not be a snapshot transaction. Every writer, the CLI's commands included, writes
 * into this one chain: it needs no id of its own, and the gateway's checkpoints cover all of it.
 */
export async function recordAudit(tx: Queryable, entry: AuditEntry): Promise<void> {
  const place = await nextAuditPlace(tx);
  const row: AuditChained = {
    id: timeOrderedUuid(),
    at: place.at,
    actor_subject: storedText(entry.actor.subject),
    actor_client: storedText(entry.actor.clientId),
    actor_roles: storedJson(entry.actor.roles),
    action: storedText(entry.action),
    object_type: storedText(entry.objectType),
    object_id: storedText(entry.objectId),
    before: jsonOrNull(entry.before),
    after: jsonOrNull(entry.after),
    request_id: textOrNull(entry.requestId),
    source_address: textOrNull(entry.sourceAddress),
    chain: place.chain,
    chain_seq: place.seq,
  };
  await tx.db.insertInto('audit_log').values({ ...row, hash: auditHash(place.previous, row) }).execute();
}

/**
 * The actor of a verified token. A client-credentials token acts as its client (RFC 9068 makes
 * `sub` the client there too), so a token without `sub` is recorded under its client id.
 */
export function actorOf(token: VerifiedToken): AuditActor {
  const clientId = token.clientId ?? '';
  return { subject: token.subject ?? clientId, clientId, roles: [...token.roles] };
}

/** The account that ran a command beside the store; a container may run under a uid with no name. */
function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? `uid ${process.getuid?.() ?? 'unknown'}`;
  }
}

/** Commands run beside the store (`penghubung restore`, the demo's own setup): no token, so the OS account. */
export function cliActor(): AuditActor {
  return { subject: `cli:${osUser()}`, clientId: 'penghubung-cli', roles: [] };
}

/** The source of a change made by a command beside the store: no request, no network address. */
export function cliSource(): AuditSource {
  return { actor: cliActor(), requestId: null, sourceAddress: null };
}
