-- External partners (banks, insurers, notaries, ...) reaching the region's services over mutual
-- TLS under a cooperation agreement (PKS). Pasal 21-22 of Perbup 001.
create table partners (
  id text primary key,
  legal_name text not null,
  type text not null check (type in ('bank', 'asuransi', 'pembiayaan', 'notaris', 'bandara', 'instansi', 'other')),
  contact jsonb not null default '{}',
  status text not null default 'active' check (status in ('active', 'suspended')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Client certificates registered to a partner (or, with internal.requireClientCert, to a consumer),
-- by the SHA-256 fingerprint of the DER. The PEM is kept for monitoring (Pasal 60 of Perbup 004).
create table client_certificates (
  fingerprint text primary key check (fingerprint ~ '^[0-9a-f]{64}$'),
  owner_kind text not null check (owner_kind in ('partner', 'consumer')),
  owner_id text not null,
  subject text not null,
  issuer text not null,
  serial text not null,
  not_before timestamptz not null,
  not_after timestamptz not null,
  pem text not null,
  registered_at timestamptz not null default now()
);
create index client_certificates_owner on client_certificates (owner_kind, owner_id);

-- Cooperation agreements (Perjanjian Kerja Sama). Dates are calendar days in the region's time zone.
create table agreements (
  number text primary key,
  title text not null,
  partner_id text not null references partners (id),
  contracts text[] not null,
  max_classification text not null check (max_classification in ('publik', 'terbatas', 'rahasia')),
  valid_from date not null,
  valid_until date not null check (valid_until >= valid_from),
  daily_quota integer check (daily_quota is null or daily_quota > 0),
  status text not null default 'active' check (status in ('active', 'suspended', 'terminated')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index agreements_partner on agreements (partner_id);

alter table traffic_log add column partner text;
alter table traffic_log add column agreement text;
alter table traffic_log add column cert_fingerprint text;
create index traffic_log_partner_at on traffic_log (partner, at desc);
