-- Hash chains over the traffic log and the audit trail (issue 26, Pasal 27 of Perpres 003:
-- integrity by modification detection), as docs/integrity.md specifies. Each row names
-- its chain, its place in it (1, 2, 3, ... with no gap) and
-- hash = SHA-256(previous row's hash || RFC 8785 encoding of the row). Rows written before this
-- migration keep null in all three: they are before the chain, not part of it.
--
-- The traffic log has one chain per gateway instance (its head is kept in memory by the writer);
-- the audit trail one per store (its head is read under an advisory lock by each write).
alter table traffic_log add column chain text, add column chain_seq bigint, add column hash text;
alter table audit_log add column chain text, add column chain_seq bigint, add column hash text;
-- Not unique: a chain written twice (two instances given one id) must still log every exchange;
-- `penghubung log verify` reports the duplicate instead.
create index traffic_log_chain on traffic_log (chain, chain_seq) where chain is not null;
create index audit_log_chain on audit_log (chain, chain_seq) where chain is not null;

-- The store's own id, made once: the name of its audit chain. A backup restored into another
-- store brings the rows of this chain along under this name, beside that store's own chain.
create table store_identity (
  singleton boolean primary key default true check (singleton),
  id text not null
);
insert into store_identity (singleton, id) values (true, gen_random_uuid()::text);

-- Signed statements of a chain's head (gateway/integrity/checkpoints.ts): a compact JWS over
-- { log, chain, chain_seq, hash, at }. `timestamp_token`: an RFC 3161 token over the JWS, later.
create table log_checkpoints (
  log text not null check (log in ('traffic', 'audit')),
  chain text not null,
  chain_seq bigint not null,
  hash text not null,
  at timestamptz not null,
  jws text not null,
  timestamp_token bytea,
  primary key (log, chain, chain_seq)
);
