-- Integration contracts: the declarative file as applied, one row per contract id.
create table contracts (
  id text primary key,
  integration text not null,
  version text not null,
  state text not null check (state in ('draft', 'approved', 'active', 'deprecated', 'retired')),
  definition jsonb not null,
  digest text not null,
  source text not null,
  updated_at timestamptz not null default now()
);

-- Registered PD applications, identified by the SSO client id (azp / client_id).
create table consumers (
  client_id text primary key,
  name text not null,
  department text not null default '',
  clearance text not null default 'publik' check (clearance in ('publik', 'terbatas', 'rahasia')),
  status text not null default 'active' check (status in ('active', 'suspended')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Bumped by every registry change; instances poll it and rebuild their routing table.
create table registry_revision (
  singleton boolean primary key default true check (singleton),
  revision bigint not null
);
insert into registry_revision (singleton, revision) values (true, 1);

-- One row per exchange. log_id makes replays from the spool idempotent.
create table traffic_log (
  seq bigint generated always as identity,
  log_id uuid primary key,
  request_id text not null,
  at timestamptz not null,
  listener text not null,
  consumer text,
  contract text,
  operation text,
  method text not null,
  path text not null,
  status integer not null,
  error_code text,
  total_ms double precision not null,
  upstream_ms double precision,
  bytes_in bigint not null,
  bytes_out bigint not null,
  request_sha256 text,
  response_sha256 text,
  client_address text,
  trace_id text
);
create unique index traffic_log_seq on traffic_log (seq);
create index traffic_log_at on traffic_log (at desc, seq desc);
create index traffic_log_request_id on traffic_log (request_id);
create index traffic_log_consumer_at on traffic_log (consumer, at desc);
create index traffic_log_contract_at on traffic_log (contract, at desc);
