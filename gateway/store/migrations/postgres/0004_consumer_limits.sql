-- Per consumer overrides of a contract's rate: {"<contract id>": {"rps": 5, "burst": 10}}.
alter table consumers add column limits jsonb not null default '{}';
