-- The audit trail (issue 24): one row per admin change (and per read of the traffic log, which
-- holds personal data), written in the transaction of the change itself. Rows are only ever
-- added: the triggers below refuse UPDATE, DELETE and TRUNCATE, so a plain statement by anyone
-- but a superuser who first drops them cannot rewrite history.
create table audit_log (
  seq bigserial primary key,
  id uuid not null unique,
  at timestamptz not null,
  actor_subject text not null,
  actor_client text not null,
  actor_roles jsonb not null,
  action text not null,
  object_type text not null,
  object_id text not null,
  before jsonb,
  after jsonb,
  request_id text,
  source_address text
);
create index audit_log_at on audit_log (at desc, seq desc);
create index audit_log_object on audit_log (object_type, object_id, seq desc);
create index audit_log_actor_subject on audit_log (actor_subject, seq desc);
create index audit_log_actor_client on audit_log (actor_client, seq desc);
create index audit_log_action on audit_log (action, seq desc);
create index audit_log_request_id on audit_log (request_id);

-- Migrations are split on a semicolon at the end of a line: the function stays on one line.
create function audit_log_append_only() returns trigger language plpgsql as $$ begin raise exception 'audit_log is append-only: % refused', tg_op using hint = 'audit rows cannot be changed or deleted'; end $$;
create trigger audit_log_no_update_or_delete before update or delete on audit_log for each row execute function audit_log_append_only();
create trigger audit_log_no_truncate before truncate on audit_log for each statement execute function audit_log_append_only();
