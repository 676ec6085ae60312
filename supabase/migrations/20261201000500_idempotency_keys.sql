-- Idempotency-Key of public calls (start and update): which request a key was first used
-- with, so that every instance refuses the key with a different request (422) instead of
-- replaying the first result (Temporal deduplicates an update by its id whatever its
-- arguments). Written by the gateway only when a call carries the header; a row is
-- binding until `expires_at`, then the next request with the key takes it over.
create table public.idempotency_keys (
  public_interface_id uuid not null references public.public_interfaces (id) on delete cascade,
  idempotency_key text not null check (char_length(idempotency_key) between 1 and 255),
  request_fingerprint text not null check (char_length(request_fingerprint) between 1 and 128),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  primary key (public_interface_id, idempotency_key)
);
-- The sweep deletes expired rows oldest first.
create index idempotency_keys_expires_idx on public.idempotency_keys (expires_at);

-- Only the server's own connection (the table owner) uses this table. RLS with no policy,
-- and no grants: Supabase's default privileges would give anon and authenticated a new table.
alter table public.idempotency_keys enable row level security;
revoke all on public.idempotency_keys from anon, authenticated;
