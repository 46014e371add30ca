-- Hash chains over the traffic log and the audit trail, as PostgreSQL's 0016 (which says why):
-- chain, place in it, and hash = SHA-256(previous hash || RFC 8785 encoding of the row); rows
-- from before this migration keep null in all three. docs/integrity.md has the encoding.
alter table traffic_log add column chain text;
alter table traffic_log add column chain_seq integer;
alter table traffic_log add column hash text;
alter table audit_log add column chain text;
alter table audit_log add column chain_seq integer;
alter table audit_log add column hash text;
create index traffic_log_chain on traffic_log (chain, chain_seq) where chain is not null;
create index audit_log_chain on audit_log (chain, chain_seq) where chain is not null;

-- The store's own id (a random UUID, version 4), the name of its audit chain.
create table store_identity (
  singleton integer primary key default 1 check (singleton = 1),
  id text not null
) strict;
insert into store_identity (singleton, id)
  select 1, lower(substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || substr('89ab', 1 + abs(random() % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12))
  from (select hex(randomblob(16)) as h);

create table log_checkpoints (
  log text not null check (log in ('traffic', 'audit')),
  chain text not null,
  chain_seq integer not null,
  hash text not null,
  at text not null,
  jws text not null,
  timestamp_token blob,
  primary key (log, chain, chain_seq)
) strict;
