-- Documents adapters keep at the gateway (JDIHN's legal documents), one row per adapter,
-- collection and key. The body is the canonical JSON the PD application sent.
create table adapter_documents (
  adapter text not null,
  collection text not null,
  key text not null,
  body jsonb not null,
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (adapter, collection, key)
);

-- Bumped in the same transaction as every document write: a feed is rebuilt only when it moved.
create table adapter_collections (
  adapter text not null,
  collection text not null,
  revision bigint not null,
  primary key (adapter, collection)
);
