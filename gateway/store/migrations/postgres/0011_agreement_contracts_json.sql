-- An agreement's contract ids as a JSON array, as the embedded store (SQLite, which has no array
-- type) keeps them: one form in both stores, in backups and in the query layer.
alter table agreements alter column contracts type jsonb using to_jsonb(contracts);
