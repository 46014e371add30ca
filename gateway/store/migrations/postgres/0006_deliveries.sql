-- Store-and-forward delivery: an accepted request waiting for (or given to) its upstream.
-- Written in the same transaction as the exchange's traffic-log row, so an accepted request is
-- never lost; delivered by the worker with retries across restarts.
create table deliveries (
  id uuid primary key,
  owner text not null,
  contract text not null,
  operation text not null,
  request jsonb not null,
  order_key text,
  state text not null check (state in ('pending', 'delivering', 'delivered', 'failed', 'cancelled')),
  attempts integer not null default 0,
  max_attempts integer not null,
  next_attempt_at timestamptz not null default now(),
  lease_until timestamptz,
  last_error text,
  response jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index deliveries_due on deliveries (next_attempt_at) where state = 'pending';
create index deliveries_order on deliveries (order_key, created_at) where order_key is not null;
create index deliveries_state on deliveries (state, updated_at desc);
