-- Consumers through the admin API (issue 24): the scopes the Dinas grants an application (null:
-- the SSO's scopes alone decide, as before) and its contact.
alter table consumers add column scopes jsonb check (scopes is null or jsonb_typeof(scopes) = 'array');
alter table consumers add column contact jsonb not null default '{}'::jsonb check (jsonb_typeof(contact) = 'object');
