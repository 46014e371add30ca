-- Contract versions and their lifecycle (issue 24): one row per contract id and version, with who
-- created, changed, submitted, approved (and the Dinas recommendation), activated, deprecated and
-- retired it. At most one version per contract and major version routes (active or deprecated).
alter table contracts drop constraint contracts_pkey;
alter table contracts drop constraint contracts_state_check;
alter table contracts add column major integer;
update contracts set major = split_part(version, '.', 1)::integer;
alter table contracts alter column major set not null;
alter table contracts add primary key (id, version);
alter table contracts add constraint contracts_state_check check (state in ('draft', 'submitted', 'approved', 'active', 'deprecated', 'retired'));
alter table contracts add column created_at timestamptz not null default now();
alter table contracts add column created_by text;
alter table contracts add column changed_at timestamptz not null default now();
alter table contracts add column changed_by text;
alter table contracts add column submitted_at timestamptz;
alter table contracts add column submitted_by text;
alter table contracts add column approved_at timestamptz;
alter table contracts add column approved_by text;
alter table contracts add column recommendation jsonb;
alter table contracts add column rejected_at timestamptz;
alter table contracts add column rejected_by text;
alter table contracts add column rejection_note text;
alter table contracts add column activated_at timestamptz;
alter table contracts add column activated_by text;
alter table contracts add column deprecated_at timestamptz;
alter table contracts add column deprecated_by text;
alter table contracts add column sunset_at timestamptz;
alter table contracts add column retired_at timestamptz;
alter table contracts add column retired_by text;
alter table contracts add column retired_note text;
update contracts set activated_at = updated_at where state in ('active', 'deprecated');
create unique index contracts_routing_version on contracts (id, major) where state in ('active', 'deprecated');
create index contracts_state on contracts (state);
