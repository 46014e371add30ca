-- The optional callback of a delivery: a URL (on an origin the Dinas allowed) that gets a thin
-- event when the delivery ends. Kept in the delivery's row, so a pending notification survives a
-- restart and is armed in the same statement that ends the delivery.
alter table deliveries add column callback_url text;
alter table deliveries add column callback_state text not null default 'none' check (callback_state in ('none', 'pending', 'sent', 'failed'));
alter table deliveries add column callback_attempts integer not null default 0;
alter table deliveries add column callback_next_at timestamptz;
alter table deliveries add column callback_last_error text;
create index deliveries_callbacks_due on deliveries (callback_next_at) where callback_state = 'pending';
