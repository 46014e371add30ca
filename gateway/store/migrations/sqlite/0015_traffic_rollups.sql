-- The ops console (issue 25), as PostgreSQL's 0015: traffic searches that stay fast newest first,
-- and rollups of the traffic log for the services view and the periodic report.
--
-- Searches page on `seq` (gateway/store/seq-paging.ts), so a filter's index must give its rows in
-- `seq` order: the `(x, at desc)` indexes did not (an equality on x, then a sort of all its rows).
-- Columns most rows leave null (partner, error code) and the refusal classes are partial indexes,
-- so an ordinary 2xx exchange pays for none of them.
drop index traffic_log_consumer_at;
drop index traffic_log_contract_at;
drop index traffic_log_partner_at;
create index traffic_log_consumer_seq on traffic_log (consumer, seq desc) where consumer is not null;
create index traffic_log_contract_seq on traffic_log (contract, seq desc) where contract is not null;
-- An application and a contract (the console's caller and contract filters): either index alone
-- walks all of the one's rows for the few of the other when the pair is rare.
create index traffic_log_consumer_contract_seq on traffic_log (consumer, contract, seq desc) where consumer is not null;
create index traffic_log_partner_seq on traffic_log (partner, seq desc) where partner is not null;
create index traffic_log_error_code_seq on traffic_log (error_code, seq desc) where error_code is not null;
-- The query names the class as `status / 100` and `status >= 400`, literally (gateway/traffic/query.ts).
create index traffic_log_status_class_seq on traffic_log ((status / 100), seq desc) where status >= 400;

-- Rollups, written by gateway/traffic/rollup.ts from the rows with seq above `rolled_seq`, in the
-- transaction that moves it. `bucket`: the minute's or hour's start in epoch seconds (UTC).
-- `contract` is '' for exchanges no contract answered. Counts by status class (4xx, 5xx; the rest
-- succeeded), the sum of total_ms, `latency` a histogram (gateway/traffic/latency-histogram.ts: a
-- JSON array of pairs, bucket index then exchanges) and `error_codes` (a JSON object, code -> exchanges).
create table traffic_rollup_state (
  singleton integer primary key default 1 check (singleton = 1),
  rolled_seq integer not null,
  rolled_at text not null
) strict;
insert into traffic_rollup_state (singleton, rolled_seq, rolled_at) values (1, 0, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

-- Per minute and contract, for the last two days only (the services view's hour and day).
create table traffic_minutes (
  bucket integer not null,
  contract text not null,
  volume integer not null,
  client_errors integer not null,
  server_errors integer not null,
  total_ms real not null,
  latency text not null check (json_valid(latency)),
  error_codes text not null check (json_valid(error_codes)),
  primary key (bucket, contract)
) strict;

-- Per hour and contract, kept: the services view's week and month, the report by contract.
create table traffic_hours (
  bucket integer not null,
  contract text not null,
  volume integer not null,
  client_errors integer not null,
  server_errors integer not null,
  total_ms real not null,
  latency text not null check (json_valid(latency)),
  error_codes text not null check (json_valid(error_codes)),
  primary key (bucket, contract)
) strict;

-- Per hour, caller (a consumer or a partner) and contract, kept: the report by caller.
create table traffic_caller_hours (
  bucket integer not null,
  caller_kind text not null check (caller_kind in ('consumer', 'partner')),
  caller text not null,
  contract text not null,
  volume integer not null,
  client_errors integer not null,
  server_errors integer not null,
  total_ms real not null,
  latency text not null check (json_valid(latency)),
  error_codes text not null check (json_valid(error_codes)),
  primary key (bucket, caller_kind, caller, contract)
) strict;
