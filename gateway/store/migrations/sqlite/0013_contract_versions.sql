-- Contract versions and their lifecycle (issue 24), as PostgreSQL's 0013: one row per contract id
-- and version. SQLite cannot change a primary key, so the table is made anew and the rows copied.
create table contract_versions (
  id text not null,
  integration text not null,
  version text not null,
  major integer not null,
  state text not null check (state in ('draft', 'submitted', 'approved', 'active', 'deprecated', 'retired')),
  definition text not null check (json_valid(definition)),
  digest text not null,
  source text not null,
  updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  created_by text,
  changed_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  changed_by text,
  submitted_at text,
  submitted_by text,
  approved_at text,
  approved_by text,
  recommendation text check (recommendation is null or json_valid(recommendation)),
  rejected_at text,
  rejected_by text,
  rejection_note text,
  activated_at text,
  activated_by text,
  deprecated_at text,
  deprecated_by text,
  sunset_at text,
  retired_at text,
  retired_by text,
  retired_note text,
  primary key (id, version)
) strict;
insert into contract_versions (id, integration, version, major, state, definition, digest, source, updated_at, activated_at) select id, integration, version, cast(substr(version, 1, instr(version, '.') - 1) as integer), state, definition, digest, source, updated_at, case when state in ('active', 'deprecated') then updated_at end from contracts;
drop table contracts;
alter table contract_versions rename to contracts;
create unique index contracts_routing_version on contracts (id, major) where state in ('active', 'deprecated');
create index contracts_state on contracts (state);
