-- The embedded store's schema (SQLite), as PostgreSQL's migrations 0001-0011 leave it: the same
-- tables, columns, keys, checks and indexes. Times are ISO 8601 UTC text with milliseconds
-- (`2026-12-07T19:07:56.123Z`, which sorts as it compares), calendar days `YYYY-MM-DD`, JSON its
-- text (gateway/store/schema.ts). Later migrations are shared where one form serves both stores.

create table contracts (
  id text primary key,
  integration text not null,
  version text not null,
  state text not null check (state in ('draft', 'approved', 'active', 'deprecated', 'retired')),
  definition text not null check (json_valid(definition)),
  digest text not null,
  source text not null,
  updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) strict;

create table consumers (
  client_id text primary key,
  name text not null,
  department text not null default '',
  clearance text not null default 'publik' check (clearance in ('publik', 'terbatas', 'rahasia')),
  status text not null default 'active' check (status in ('active', 'suspended')),
  created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  limits text not null default '{}' check (json_valid(limits))
) strict;

create table registry_revision (
  singleton integer primary key default 1 check (singleton = 1),
  revision integer not null
) strict;
insert into registry_revision (singleton, revision) values (1, 1);

-- seq: the rowid, never reused (autoincrement), as PostgreSQL's identity.
create table traffic_log (
  seq integer primary key autoincrement,
  log_id text not null unique,
  request_id text not null,
  at text not null,
  listener text not null,
  consumer text,
  contract text,
  operation text,
  method text not null,
  path text not null,
  status integer not null,
  error_code text,
  total_ms real not null,
  upstream_ms real,
  bytes_in integer not null,
  bytes_out integer not null,
  request_sha256 text,
  response_sha256 text,
  client_address text,
  trace_id text,
  partner text,
  agreement text,
  cert_fingerprint text
) strict;
create index traffic_log_at on traffic_log (at desc, seq desc);
create index traffic_log_request_id on traffic_log (request_id);
create index traffic_log_consumer_at on traffic_log (consumer, at desc);
create index traffic_log_contract_at on traffic_log (contract, at desc);
create index traffic_log_partner_at on traffic_log (partner, at desc);

create table adapter_documents (
  adapter text not null,
  collection text not null,
  key text not null,
  body text not null check (json_valid(body)),
  version integer not null default 1,
  created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  primary key (adapter, collection, key)
) strict;

create table adapter_collections (
  adapter text not null,
  collection text not null,
  revision integer not null,
  primary key (adapter, collection)
) strict;

create table partners (
  id text primary key,
  legal_name text not null,
  type text not null check (type in ('bank', 'asuransi', 'pembiayaan', 'notaris', 'bandara', 'instansi', 'other')),
  contact text not null default '{}' check (json_valid(contact)),
  status text not null default 'active' check (status in ('active', 'suspended')),
  created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) strict;

create table client_certificates (
  fingerprint text primary key check (length(fingerprint) = 64 and fingerprint not glob '*[^0-9a-f]*'),
  owner_kind text not null check (owner_kind in ('partner', 'consumer')),
  owner_id text not null,
  subject text not null,
  issuer text not null,
  serial text not null,
  not_before text not null,
  not_after text not null,
  pem text not null,
  registered_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) strict;
create index client_certificates_owner on client_certificates (owner_kind, owner_id);

create table agreements (
  number text primary key,
  title text not null,
  partner_id text not null references partners (id),
  contracts text not null check (json_valid(contracts) and json_type(contracts) = 'array'),
  max_classification text not null check (max_classification in ('publik', 'terbatas', 'rahasia')),
  valid_from text not null,
  valid_until text not null check (valid_until >= valid_from),
  daily_quota integer check (daily_quota is null or daily_quota > 0),
  status text not null default 'active' check (status in ('active', 'suspended', 'terminated')),
  created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) strict;
create index agreements_partner on agreements (partner_id);

create table idempotency_keys (
  owner text not null,
  key text not null,
  fingerprint text not null,
  state text not null check (state in ('in-flight', 'done', 'released')),
  status integer,
  headers text check (headers is null or json_valid(headers)),
  body text,
  created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  expires_at text not null,
  alive_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  claim_id text,
  primary key (owner, key)
) strict;
create index idempotency_keys_expires on idempotency_keys (expires_at);

create table deliveries (
  id text primary key,
  owner text not null,
  contract text not null,
  operation text not null,
  request text not null check (json_valid(request)),
  order_key text,
  state text not null check (state in ('pending', 'delivering', 'delivered', 'failed', 'cancelled')),
  attempts integer not null default 0,
  max_attempts integer not null,
  next_attempt_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  lease_until text,
  last_error text,
  response text check (response is null or json_valid(response)),
  created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  callback_url text,
  callback_state text not null default 'none' check (callback_state in ('none', 'pending', 'sent', 'failed')),
  callback_attempts integer not null default 0,
  callback_next_at text,
  callback_last_error text
) strict;
create index deliveries_due on deliveries (next_attempt_at) where state = 'pending';
create index deliveries_order on deliveries (order_key, created_at) where order_key is not null;
create index deliveries_state on deliveries (state, updated_at desc);
create index deliveries_callbacks_due on deliveries (callback_next_at) where callback_state = 'pending';
