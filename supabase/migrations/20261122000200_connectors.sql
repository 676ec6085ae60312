-- Connectors: what a project needs to call a third-party API, with every secret encrypted.
--
-- Two tables on purpose. `connectors` holds what any member may see in a list (name,
-- type, base URL, status, test results). `connector_credentials` holds the settings a
-- viewer must not read (auth settings, default headers, which secrets are set) and the
-- envelope-encrypted secrets; its policies admit only owner/admin/member, so a viewer's
-- query finds no row there even if service code forgot a check.

create table public.connectors (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references public.projects (id) on delete cascade,
  name text not null check (char_length(name) between 1 and 100),
  type text not null check (
    type in ('api_key', 'bearer', 'basic', 'oauth2_client_credentials', 'oauth2_authorization_code')
  ),
  base_url text not null check (char_length(base_url) between 1 and 2048),
  enabled boolean not null default true,
  -- ready: usable; pending_authorization: an authorization-code connector not yet
  -- authorized; needs_reauth: the provider refused the refresh token.
  auth_status text not null default 'ready' check (auth_status in ('ready', 'pending_authorization', 'needs_reauth')),
  status_message text check (char_length(status_message) <= 500),
  timeout_ms integer not null default 30000 check (timeout_ms between 100 and 300000),
  max_retries integer not null default 2 check (max_retries between 0 and 10),
  retry_backoff_ms integer not null default 200 check (retry_backoff_ms between 0 and 60000),
  test_path text not null default '/' check (char_length(test_path) between 1 and 2048),
  last_tested_at timestamptz,
  last_test_status integer,
  last_test_latency_ms integer,
  last_test_error text check (char_length(last_test_error) <= 500),
  last_used_at timestamptz,
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (project_id, name),
  -- Target of the composite foreign keys below: a credentials row or OAuth state can
  -- only ever belong to a connector of the same project.
  unique (id, project_id)
);
create index connectors_project_idx on public.connectors (project_id, name);

create table public.connector_credentials (
  connector_id uuid primary key,
  project_id uuid not null,
  auth_config jsonb not null default '{}'::jsonb,
  default_headers jsonb not null default '{}'::jsonb,
  -- Which secret fields are set, with a display hint where one is safe. Never values.
  secret_hints jsonb not null default '{}'::jsonb,
  -- Envelope (src/crypto/envelope.ts) bound to (project_id, connector_id, field).
  encrypted_credentials jsonb not null,
  -- Mirrors encrypted_credentials->>'kekId' so rotation and the startup check use an index.
  encryption_key_id text not null,
  -- Bumped on every ciphertext change: rotation and token refresh write only if unchanged.
  credentials_version integer not null default 1,
  token_expires_at timestamptz,
  updated_at timestamptz not null default now(),
  foreign key (connector_id, project_id) references public.connectors (id, project_id) on delete cascade,
  check (encryption_key_id = encrypted_credentials ->> 'kekId')
);
create index connector_credentials_key_idx on public.connector_credentials (encryption_key_id, connector_id);

-- One row per authorization attempt: single use (consumed_at), ten minutes, bound to the
-- project, connector and user that started it. Only a hash of `state` is stored; the PKCE
-- verifier is encrypted like any other credential.
create table public.oauth_states (
  id uuid primary key default gen_random_uuid(),
  state_hash text not null unique,
  project_id uuid not null,
  connector_id uuid not null,
  user_id uuid not null,
  redirect_uri text not null,
  encrypted_verifier jsonb not null,
  encryption_key_id text not null,
  expires_at timestamptz not null,
  consumed_at timestamptz,
  created_at timestamptz not null default now(),
  foreign key (connector_id, project_id) references public.connectors (id, project_id) on delete cascade,
  check (encryption_key_id = encrypted_verifier ->> 'kekId')
);
create index oauth_states_connector_idx on public.oauth_states (connector_id, created_at desc);
create index oauth_states_key_idx on public.oauth_states (encryption_key_id) where consumed_at is null;

alter table public.connectors enable row level security;
create policy connectors_select on public.connectors for select to authenticated
  using (wfb.member_role(project_id) is not null);
create policy connectors_insert on public.connectors for insert to authenticated
  with check (wfb.has_role(project_id, array['owner', 'admin', 'member']));
create policy connectors_update on public.connectors for update to authenticated
  using (wfb.has_role(project_id, array['owner', 'admin', 'member']))
  with check (wfb.has_role(project_id, array['owner', 'admin', 'member']));
create policy connectors_delete on public.connectors for delete to authenticated
  using (wfb.has_role(project_id, array['owner', 'admin']));

alter table public.connector_credentials enable row level security;
create policy connector_credentials_select on public.connector_credentials for select to authenticated
  using (wfb.has_role(project_id, array['owner', 'admin', 'member']));
create policy connector_credentials_insert on public.connector_credentials for insert to authenticated
  with check (wfb.has_role(project_id, array['owner', 'admin', 'member']));
create policy connector_credentials_update on public.connector_credentials for update to authenticated
  using (wfb.has_role(project_id, array['owner', 'admin', 'member']))
  with check (wfb.has_role(project_id, array['owner', 'admin', 'member']));
create policy connector_credentials_delete on public.connector_credentials for delete to authenticated
  using (wfb.has_role(project_id, array['owner', 'admin']));

-- Users create their own states; the callback (no user session) consumes them as the service.
alter table public.oauth_states enable row level security;
create policy oauth_states_select on public.oauth_states for select to authenticated
  using (user_id = auth.uid() and wfb.has_role(project_id, array['owner', 'admin', 'member']));
create policy oauth_states_insert on public.oauth_states for insert to authenticated
  with check (user_id = auth.uid() and wfb.has_role(project_id, array['owner', 'admin', 'member']));

grant select, insert, update, delete on public.connectors, public.connector_credentials to authenticated;
grant select, insert on public.oauth_states to authenticated;
