-- A key given back leaves a 'released' row of its claim rather than none: a claim the store took
-- late (its bytes held up by a cut network) then meets that row and lands nowhere, instead of
-- holding the key for nobody. The next claim of the key removes it.
alter table idempotency_keys drop constraint idempotency_keys_state_check;
alter table idempotency_keys add constraint idempotency_keys_state_check check (state in ('in-flight', 'done', 'released'));
