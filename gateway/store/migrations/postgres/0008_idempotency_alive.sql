-- When the exchange holding an in-flight key last said it was still running. A key is deemed left
-- behind by a stopped gateway only when this is older than the contract's timeout plus the grace,
-- so an exchange that legitimately runs longer (an answer streamed for minutes) keeps its key.
alter table idempotency_keys add column alive_at timestamptz not null default now();
