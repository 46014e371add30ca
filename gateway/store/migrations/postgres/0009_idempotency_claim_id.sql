-- Which claim holds an in-flight key: a claim the store took but never confirmed (the network to
-- the database cut, the query timed out) is given back later by its own id, never another's.
alter table idempotency_keys add column claim_id text;
