import type { ColumnType, Generated } from 'kysely';

/**
 * The store's tables as both stores hand them over. Both give the same JavaScript types:
 * - times (`timestamptz` in PostgreSQL, `text` in SQLite) as ISO 8601 UTC strings with
 *   milliseconds (`2026-12-07T19:07:56.123Z`), which sort as they compare;
 * - calendar days (`date`, `text`) as `YYYY-MM-DD`;
 * - JSON (`jsonb`, `text`) as its text, parsed by the caller, written as `JSON.stringify` gives it;
 * - 64-bit integers as numbers (counts and sequence numbers fit in a double).
 * The PostgreSQL pool's type parsers (postgres.ts) make it so; SQLite stores them that way.
 */
export type Timestamp = ColumnType<string, string, string>;
export type TimestampDefault = ColumnType<string, string | undefined, string>;
/** JSON text. */
export type Json = string;
export type JsonDefault = ColumnType<string, string | undefined, string>;

/** One version of a contract and its lifecycle (migration 0013); `*_by` hold the SSO subject. */
export interface ContractsTable {
  id: string;
  integration: string;
  version: string;
  major: number;
  state: 'draft' | 'submitted' | 'approved' | 'active' | 'deprecated' | 'retired';
  definition: Json;
  digest: string;
  source: string;
  updated_at: TimestampDefault;
  created_at: TimestampDefault;
  created_by: string | null;
  changed_at: TimestampDefault;
  changed_by: string | null;
  submitted_at: string | null;
  submitted_by: string | null;
  approved_at: string | null;
  approved_by: string | null;
  /** The Dinas recommendation on operation and security: `{ number, date, note }`. */
  recommendation: Json | null;
  rejected_at: string | null;
  rejected_by: string | null;
  rejection_note: string | null;
  activated_at: string | null;
  activated_by: string | null;
  deprecated_at: string | null;
  deprecated_by: string | null;
  sunset_at: string | null;
  retired_at: string | null;
  retired_by: string | null;
  retired_note: string | null;
}

export interface ConsumersTable {
  client_id: string;
  name: string;
  department: ColumnType<string, string | undefined, string>;
  clearance: ColumnType<'publik' | 'terbatas' | 'rahasia', 'publik' | 'terbatas' | 'rahasia' | undefined>;
  status: ColumnType<'active' | 'suspended', 'active' | 'suspended' | undefined>;
  limits: JsonDefault;
  /** Scopes the Dinas grants (a JSON array); null: the SSO token's scopes alone decide. */
  scopes: ColumnType<Json | null, Json | null | undefined, Json | null>;
  contact: JsonDefault;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

export interface RegistryRevisionTable {
  singleton: Generated<boolean | number>;
  revision: number;
}

export interface TrafficLogTable {
  seq: Generated<number>;
  log_id: string;
  request_id: string;
  at: Timestamp;
  listener: string;
  consumer: string | null;
  contract: string | null;
  operation: string | null;
  method: string;
  path: string;
  status: number;
  error_code: string | null;
  total_ms: number;
  upstream_ms: number | null;
  bytes_in: number;
  bytes_out: number;
  request_sha256: string | null;
  response_sha256: string | null;
  client_address: string | null;
  trace_id: string | null;
  partner: string | null;
  agreement: string | null;
  cert_fingerprint: string | null;
  /** The hash chain (migration 0016; docs/integrity.md); null on rows written before it. */
  chain: string | null;
  chain_seq: number | null;
  hash: string | null;
}

/**
 * The traffic rollups (migration 0015, gateway/traffic/rollup.ts): one row per time bucket
 * (`bucket`: its start in epoch seconds, UTC) and contract ('' for exchanges no contract
 * answered). `latency` is JSON, histogram bucket and exchanges in pairs, `[31,4,32,17]`
 * (gateway/traffic/latency-histogram.ts); `error_codes` a JSON object, error code -> exchanges.
 */
export interface TrafficRollupTable {
  bucket: number;
  contract: string;
  volume: number;
  client_errors: number;
  server_errors: number;
  total_ms: number;
  latency: Json;
  error_codes: Json;
}

/** The same per hour, caller (a consumer's client id or a partner's id) and contract. */
export interface TrafficCallerHoursTable extends TrafficRollupTable {
  caller_kind: 'consumer' | 'partner';
  caller: string;
}

/** How far the rollups have read the traffic log: every row with `seq <= rolled_seq` is in them. */
export interface TrafficRollupStateTable {
  singleton: Generated<boolean | number>;
  rolled_seq: number;
  rolled_at: Timestamp;
}

export interface AdapterDocumentsTable {
  adapter: string;
  collection: string;
  key: string;
  body: Json;
  version: Generated<number>;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

export interface AdapterCollectionsTable {
  adapter: string;
  collection: string;
  revision: number;
}

export interface PartnersTable {
  id: string;
  legal_name: string;
  type: string;
  contact: JsonDefault;
  status: ColumnType<'active' | 'suspended', 'active' | 'suspended' | undefined>;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

export interface ClientCertificatesTable {
  fingerprint: string;
  owner_kind: 'partner' | 'consumer';
  owner_id: string;
  subject: string;
  issuer: string;
  serial: string;
  not_before: Timestamp;
  not_after: Timestamp;
  pem: string;
  registered_at: TimestampDefault;
}

export interface AgreementsTable {
  number: string;
  title: string;
  partner_id: string;
  /** JSON array of contract ids. */
  contracts: Json;
  max_classification: 'publik' | 'terbatas' | 'rahasia';
  /** Calendar days, `YYYY-MM-DD`. */
  valid_from: string;
  valid_until: string;
  daily_quota: number | null;
  status: ColumnType<'active' | 'suspended' | 'terminated', 'active' | 'suspended' | 'terminated' | undefined>;
  /** JSON `{ legalBasis, note? }`: why a non-government partner may receive data above `publik` (migration 0017). */
  classification_exception: ColumnType<Json | null, Json | null | undefined, Json | null>;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

export interface IdempotencyKeysTable {
  owner: string;
  key: string;
  fingerprint: string;
  state: 'in-flight' | 'done' | 'released';
  status: number | null;
  headers: Json | null;
  body: string | null;
  created_at: TimestampDefault;
  expires_at: Timestamp;
  alive_at: TimestampDefault;
  claim_id: string | null;
}

export interface DeliveriesTable {
  id: string;
  owner: string;
  contract: string;
  operation: string;
  request: Json;
  order_key: string | null;
  state: 'pending' | 'delivering' | 'delivered' | 'failed' | 'cancelled';
  attempts: ColumnType<number, number | undefined, number>;
  max_attempts: number;
  next_attempt_at: TimestampDefault;
  lease_until: string | null;
  last_error: string | null;
  response: Json | null;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
  callback_url: string | null;
  callback_state: ColumnType<'none' | 'pending' | 'sent' | 'failed', 'none' | 'pending' | 'sent' | 'failed' | undefined>;
  callback_attempts: ColumnType<number, number | undefined, number>;
  callback_next_at: string | null;
  callback_last_error: string | null;
}

/**
 * The audit trail (migration 0012): one row per admin change, written in the change's own
 * transaction; rows are only added (triggers refuse UPDATE and DELETE). `seq` orders this store's
 * rows (cursor paging); `id` (UUIDv7) names a row in every store a backup reaches.
 */
export interface AuditLogTable {
  seq: Generated<number>;
  id: string;
  at: Timestamp;
  actor_subject: string;
  actor_client: string;
  /** JSON array of the actor's roles when it acted. */
  actor_roles: Json;
  action: string;
  object_type: string;
  object_id: string;
  before: Json | null;
  after: Json | null;
  request_id: string | null;
  source_address: string | null;
  /** The store's audit chain (migration 0016; docs/integrity.md); null on rows written before it. */
  chain: string | null;
  chain_seq: number | null;
  hash: string | null;
}

/** The store's own id (migration 0016): the name of its audit chain. */
export interface StoreIdentityTable {
  singleton: Generated<boolean | number>;
  id: string;
}

/**
 * Signed statements of a chain's head (migration 0016, gateway/integrity/checkpoints.ts): a
 * compact JWS over `{ log, chain, chain_seq, hash, at }`; `timestamp_token` an RFC 3161 token
 * (DER) over the JWS, once there is a time-stamping authority to ask.
 */
export interface LogCheckpointsTable {
  log: 'traffic' | 'audit';
  chain: string;
  chain_seq: number;
  hash: string;
  at: Timestamp;
  jws: string;
  timestamp_token: ColumnType<Uint8Array | null, Uint8Array | null | undefined, Uint8Array | null>;
}

export interface SchemaMigrationsTable {
  version: number;
  name: string;
  applied_at: TimestampDefault;
}

export interface Database {
  contracts: ContractsTable;
  consumers: ConsumersTable;
  registry_revision: RegistryRevisionTable;
  traffic_log: TrafficLogTable;
  traffic_rollup_state: TrafficRollupStateTable;
  traffic_minutes: TrafficRollupTable;
  traffic_hours: TrafficRollupTable;
  traffic_caller_hours: TrafficCallerHoursTable;
  adapter_documents: AdapterDocumentsTable;
  adapter_collections: AdapterCollectionsTable;
  partners: PartnersTable;
  client_certificates: ClientCertificatesTable;
  agreements: AgreementsTable;
  idempotency_keys: IdempotencyKeysTable;
  deliveries: DeliveriesTable;
  audit_log: AuditLogTable;
  store_identity: StoreIdentityTable;
  log_checkpoints: LogCheckpointsTable;
  schema_migrations: SchemaMigrationsTable;
}
