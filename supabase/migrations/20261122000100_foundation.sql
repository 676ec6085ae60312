-- Foundation: Supabase-compatible roles and auth helpers, projects, members, API keys, audit.
-- Runs unchanged on Supabase, plain Postgres and PGlite: everything Supabase already
-- provides is created only when absent.

-- Roles are cluster-wide: tolerate a concurrent creator (parallel migrations of two databases).
do $$
declare
  role_name text;
begin
  foreach role_name in array array['anon', 'authenticated', 'service_role'] loop
    if not exists (select 1 from pg_roles where rolname = role_name) then
      begin
        execute format('create role %I nologin noinherit', role_name);
      exception when duplicate_object or unique_violation then
        null;
      end;
    end if;
  end loop;
end
$$;

-- The application connects as the migration user and switches to `authenticated` per
-- transaction; that needs membership. Supabase's `postgres` already has it.
do $$
begin
  execute format('grant authenticated to %I', current_user);
exception when others then
  raise notice 'could not grant authenticated to %: %', current_user, sqlerrm;
end
$$;

create schema if not exists auth;

do $$
begin
  if not exists (
    select 1 from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'auth' and p.proname = 'jwt'
  ) then
    execute $fn$
      create function auth.jwt() returns jsonb language sql stable as $body$
        select coalesce(
          nullif(current_setting('request.jwt.claim', true), ''),
          nullif(current_setting('request.jwt.claims', true), '')
        )::jsonb
      $body$
    $fn$;
  end if;
  if not exists (
    select 1 from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'auth' and p.proname = 'uid'
  ) then
    execute $fn$
      create function auth.uid() returns uuid language sql stable as $body$
        select coalesce(
          nullif(current_setting('request.jwt.claim.sub', true), ''),
          (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
        )::uuid
      $body$
    $fn$;
  end if;
end
$$;

grant usage on schema auth to anon, authenticated, service_role;

-- Private helpers for policies. SECURITY DEFINER so a policy on project_members can
-- consult project_members without recursing through its own policy.
create schema if not exists wfb;
grant usage on schema wfb to authenticated, service_role;

create table public.projects (
  id uuid primary key default gen_random_uuid(),
  slug text not null unique check (slug ~ '^[a-z][a-z0-9-]{1,38}[a-z0-9]$'),
  name text not null check (char_length(name) between 1 and 100),
  temporal_namespace text not null unique check (temporal_namespace ~ '^[a-zA-Z][a-zA-Z0-9._-]{1,62}$'),
  created_by uuid not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table public.project_members (
  project_id uuid not null references public.projects (id) on delete cascade,
  user_id uuid not null,
  role text not null check (role in ('owner', 'admin', 'member', 'viewer')),
  created_at timestamptz not null default now(),
  primary key (project_id, user_id)
);
create index project_members_user_idx on public.project_members (user_id);

create function wfb.member_role(target_project uuid) returns text
language sql stable security definer set search_path = '' as $$
  select m.role from public.project_members m
  where m.project_id = target_project and m.user_id = auth.uid()
$$;

create function wfb.has_role(target_project uuid, allowed text[]) returns boolean
language sql stable security definer set search_path = '' as $$
  select exists (
    select 1 from public.project_members m
    where m.project_id = target_project and m.user_id = auth.uid() and m.role = any (allowed)
  )
$$;

-- The creator of a project with no members yet may make themselves its owner.
create function wfb.can_bootstrap_owner(target_project uuid) returns boolean
language sql stable security definer set search_path = '' as $$
  select exists (
    select 1 from public.projects p
    where p.id = target_project and p.created_by = auth.uid()
      and not exists (select 1 from public.project_members m where m.project_id = p.id)
  )
$$;

revoke all on function wfb.member_role(uuid), wfb.has_role(uuid, text[]), wfb.can_bootstrap_owner(uuid) from public;
grant execute on function wfb.member_role(uuid), wfb.has_role(uuid, text[]), wfb.can_bootstrap_owner(uuid)
  to authenticated, service_role;

alter table public.projects enable row level security;
create policy projects_select on public.projects for select to authenticated
  using (wfb.member_role(id) is not null);
create policy projects_insert on public.projects for insert to authenticated
  with check (created_by = auth.uid());
create policy projects_update on public.projects for update to authenticated
  using (wfb.has_role(id, array['owner', 'admin'])) with check (wfb.has_role(id, array['owner', 'admin']));
create policy projects_delete on public.projects for delete to authenticated
  using (wfb.has_role(id, array['owner']));

alter table public.project_members enable row level security;
create policy members_select on public.project_members for select to authenticated
  using (wfb.member_role(project_id) is not null);
create policy members_insert on public.project_members for insert to authenticated
  with check (
    wfb.has_role(project_id, array['owner', 'admin'])
    or (user_id = auth.uid() and role = 'owner' and wfb.can_bootstrap_owner(project_id))
  );
create policy members_update on public.project_members for update to authenticated
  using (wfb.has_role(project_id, array['owner', 'admin']))
  with check (wfb.has_role(project_id, array['owner', 'admin']));
create policy members_delete on public.project_members for delete to authenticated
  using (wfb.has_role(project_id, array['owner', 'admin']));

create table public.api_keys (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references public.projects (id) on delete cascade,
  name text not null check (char_length(name) between 1 and 100),
  key_hash text not null unique,
  hint text not null,
  environment text not null,
  public_interface_id uuid,
  rate_limit_per_minute integer check (rate_limit_per_minute between 1 and 1000000),
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz,
  -- The key a roll created in this one's place (no FK: the successor is inserted after).
  replaced_by uuid,
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index api_keys_project_idx on public.api_keys (project_id, created_at desc);
-- A name identifies one live key; revoked keys and keys replaced by a roll free it.
create unique index api_keys_live_name_idx on public.api_keys (project_id, name)
  where revoked_at is null and replaced_by is null;

alter table public.api_keys enable row level security;
create policy api_keys_select on public.api_keys for select to authenticated
  using (wfb.member_role(project_id) is not null);
create policy api_keys_insert on public.api_keys for insert to authenticated
  with check (wfb.has_role(project_id, array['owner', 'admin', 'member']));
create policy api_keys_update on public.api_keys for update to authenticated
  using (wfb.has_role(project_id, array['owner', 'admin', 'member']))
  with check (wfb.has_role(project_id, array['owner', 'admin', 'member']));
create policy api_keys_delete on public.api_keys for delete to authenticated
  using (wfb.has_role(project_id, array['owner', 'admin']));

-- Every change that can alter a verification verdict tells every instance to drop its
-- cached entry at once. `last_used_at` batches are deliberately not in the column list.
create function wfb.notify_api_key_change() returns trigger
language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    perform pg_notify('wfb_api_keys', old.key_hash);
  else
    perform pg_notify('wfb_api_keys', new.key_hash);
  end if;
  return null;
end
$$;
create trigger api_keys_notify_insert_delete after insert or delete on public.api_keys
  for each row execute function wfb.notify_api_key_change();
create trigger api_keys_notify_update
  after update of key_hash, project_id, name, public_interface_id, rate_limit_per_minute, expires_at, revoked_at, replaced_by
  on public.api_keys
  for each row execute function wfb.notify_api_key_change();

create table public.audit_events (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null,
  actor_type text not null check (actor_type in ('user', 'api_key', 'system')),
  actor_id text,
  action text not null,
  entity_type text not null,
  entity_id text,
  metadata jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);
create index audit_events_project_idx on public.audit_events (project_id, created_at desc, id desc);

alter table public.audit_events enable row level security;
create policy audit_select on public.audit_events for select to authenticated
  using (wfb.has_role(project_id, array['owner', 'admin']));
create policy audit_insert on public.audit_events for insert to authenticated
  with check (wfb.member_role(project_id) is not null and actor_type = 'user' and actor_id = auth.uid()::text);

grant usage on schema public to anon, authenticated, service_role;
grant select, insert, update, delete on public.projects, public.project_members, public.api_keys to authenticated;
grant select, insert on public.audit_events to authenticated;
