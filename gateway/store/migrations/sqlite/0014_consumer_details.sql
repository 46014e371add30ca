-- Consumers through the admin API (issue 24), as PostgreSQL's 0014.
alter table consumers add column scopes text check (scopes is null or (json_valid(scopes) and json_type(scopes) = 'array'));
alter table consumers add column contact text not null default '{}' check (json_valid(contact) and json_type(contact) = 'object');
