-- Idempotency-Key (IETF draft): the first request with a key per caller is executed; repeats get
-- its stored answer. `fingerprint` is the SHA-256 of method, path and body.
create table idempotency_keys (
  owner text not null,
  key text not null,
  fingerprint text not null,
  state text not null check (state in ('in-flight', 'done')),
  status integer,
  headers jsonb,
  body text,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  primary key (owner, key)
);
create index idempotency_keys_expires on idempotency_keys (expires_at);
