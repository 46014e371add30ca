-- The audit trail (issue 24), as PostgreSQL's 0012 has it: one row per admin change (and per read
-- of the traffic log), written in the transaction of the change. Rows are only ever added: the
-- triggers refuse UPDATE and DELETE (SQLite has no TRUNCATE; `delete from` fires the trigger).
create table audit_log (
  seq integer primary key autoincrement,
  id text not null unique,
  at text not null,
  actor_subject text not null,
  actor_client text not null,
  actor_roles text not null check (json_valid(actor_roles)),
  action text not null,
  object_type text not null,
  object_id text not null,
  "before" text check ("before" is null or json_valid("before")),
  "after" text check ("after" is null or json_valid("after")),
  request_id text,
  source_address text
) strict;
create index audit_log_at on audit_log (at desc, seq desc);
create index audit_log_object on audit_log (object_type, object_id, seq desc);
create index audit_log_actor_subject on audit_log (actor_subject, seq desc);
create index audit_log_actor_client on audit_log (actor_client, seq desc);
create index audit_log_action on audit_log (action, seq desc);
create index audit_log_request_id on audit_log (request_id);

-- Migrations are split on a semicolon at the end of a line: each trigger stays on one line.
create trigger audit_log_no_update before update on audit_log begin select raise(abort, 'audit_log is append-only: UPDATE refused'); end;
create trigger audit_log_no_delete before delete on audit_log begin select raise(abort, 'audit_log is append-only: DELETE refused'); end;
