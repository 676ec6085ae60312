-- Services: a project's Temporal workflows (`workflows`), the signals, queries, updates and
-- starts they expose (`service_interfaces`), and the HTTP routes that publish some of them
-- (`public_interfaces`). Every table carries project_id and enforces tenancy with RLS
-- through the foundation's wfb.member_role / wfb.has_role helpers.

create table public.workflows (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references public.projects (id) on delete cascade,
  name text not null check (name ~ '^[a-z][a-z0-9-]{0,61}[a-z0-9]$'),
  display_name text not null check (char_length(display_name) between 1 and 100),
  description text not null default '' check (char_length(description) <= 2000),
  workflow_type text not null check (char_length(workflow_type) between 1 and 255),
  task_queue text not null check (char_length(task_queue) between 1 and 255),
  -- How a call finds its workflow: one fixed id (a singleton entity) or a path parameter.
  workflow_id_mode text not null check (workflow_id_mode in ('fixed', 'path_param')),
  fixed_workflow_id text check (char_length(fixed_workflow_id) between 1 and 255),
  workflow_id_param text check (workflow_id_param ~ '^[A-Za-z_][A-Za-z0-9_]{0,62}$'),
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (project_id, name),
  -- Target of the composite foreign keys below: a child row can never point across projects.
  unique (id, project_id),
  check (
    (workflow_id_mode = 'fixed' and fixed_workflow_id is not null and workflow_id_param is null)
    or (workflow_id_mode = 'path_param' and workflow_id_param is not null and fixed_workflow_id is null)
  )
);

create table public.service_interfaces (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references public.projects (id) on delete cascade,
  workflow_id uuid not null,
  name text not null check (name ~ '^[a-z][a-z0-9-]{0,61}[a-z0-9]$'),
  display_name text not null check (char_length(display_name) between 1 and 100),
  description text not null default '' check (char_length(description) <= 2000),
  type text not null check (type in ('signal', 'query', 'update', 'start')),
  -- The signal, query or update name; a start launches the service's workflow type instead.
  callable_name text check (char_length(callable_name) between 1 and 255),
  input_schema jsonb,
  output_schema jsonb,
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (workflow_id, name),
  unique (id, project_id),
  foreign key (workflow_id, project_id) references public.workflows (id, project_id) on delete cascade,
  check ((type = 'start') = (callable_name is null))
);
create index service_interfaces_project_idx on public.service_interfaces (project_id);

create table public.public_interfaces (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references public.projects (id) on delete cascade,
  service_interface_id uuid not null,
  method text not null check (method in ('GET', 'POST', 'PUT', 'PATCH', 'DELETE')),
  path text not null check (char_length(path) between 1 and 200 and path ~ '^/'),
  route_hash text not null check (route_hash ~ '^[a-z0-9]{8,32}$'),
  auth text not null default 'api_key' check (auth in ('api_key')),
  rate_limit_per_minute integer check (rate_limit_per_minute between 1 and 1000000),
  enabled boolean not null default true,
  description text not null default '' check (char_length(description) <= 2000),
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (id, project_id),
  foreign key (service_interface_id, project_id)
    references public.service_interfaces (id, project_id) on delete cascade
);
-- The public URL is /api/v1/<route_hash>/<path>: the hash alone finds the interface.
create unique index public_interfaces_route_hash_idx on public.public_interfaces (route_hash);
create index public_interfaces_project_idx on public.public_interfaces (project_id);
create index public_interfaces_service_interface_idx on public.public_interfaces (service_interface_id);

-- A key scoped to an interface must belong to the interface's project (composite key), and
-- dies with it: SET NULL would silently widen a scoped key to the whole project.
alter table public.api_keys
  add constraint api_keys_public_interface_fk foreign key (public_interface_id, project_id)
  references public.public_interfaces (id, project_id) on delete cascade;
create index api_keys_public_interface_idx on public.api_keys (public_interface_id)
  where public_interface_id is not null;

alter table public.workflows enable row level security;
create policy workflows_select on public.workflows for select to authenticated
  using (wfb.member_role(project_id) is not null);
create policy workflows_insert on public.workflows for insert to authenticated
  with check (wfb.has_role(project_id, array['owner', 'admin', 'member']));
create policy workflows_update on public.workflows for update to authenticated
  using (wfb.has_role(project_id, array['owner', 'admin', 'member']))
  with check (wfb.has_role(project_id, array['owner', 'admin', 'member']));
create policy workflows_delete on public.workflows for delete to authenticated
  using (wfb.has_role(project_id, array['owner', 'admin', 'member']));

alter table public.service_interfaces enable row level security;
create policy service_interfaces_select on public.service_interfaces for select to authenticated
  using (wfb.member_role(project_id) is not null);
create policy service_interfaces_insert on public.service_interfaces for insert to authenticated
  with check (wfb.has_role(project_id, array['owner', 'admin', 'member']));
create policy service_interfaces_update on public.service_interfaces for update to authenticated
  using (wfb.has_role(project_id, array['owner', 'admin', 'member']))
  with check (wfb.has_role(project_id, array['owner', 'admin', 'member']));
create policy service_interfaces_delete on public.service_interfaces for delete to authenticated
  using (wfb.has_role(project_id, array['owner', 'admin', 'member']));

-- Publishing to the internet is an admin decision; members only read.
alter table public.public_interfaces enable row level security;
create policy public_interfaces_select on public.public_interfaces for select to authenticated
  using (wfb.member_role(project_id) is not null);
create policy public_interfaces_insert on public.public_interfaces for insert to authenticated
  with check (wfb.has_role(project_id, array['owner', 'admin']));
create policy public_interfaces_update on public.public_interfaces for update to authenticated
  using (wfb.has_role(project_id, array['owner', 'admin']))
  with check (wfb.has_role(project_id, array['owner', 'admin']));
create policy public_interfaces_delete on public.public_interfaces for delete to authenticated
  using (wfb.has_role(project_id, array['owner', 'admin']));

grant select, insert, update, delete on public.workflows, public.service_interfaces, public.public_interfaces
  to authenticated;

-- Every change that can alter how a public call is routed tells every instance to reload
-- that project's routes. Payload: the project id. Column lists leave out bookkeeping
-- (e.g. a future Kong sync status) so controllers writing it cause no reloads.
create function wfb.notify_route_change() returns trigger
language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    perform pg_notify('wfb_routes', old.project_id::text);
  else
    perform pg_notify('wfb_routes', new.project_id::text);
    if tg_op = 'UPDATE' and old.project_id <> new.project_id then
      perform pg_notify('wfb_routes', old.project_id::text);
    end if;
  end if;
  return null;
end
$$;

create trigger workflows_notify_insert_delete after insert or delete on public.workflows
  for each row execute function wfb.notify_route_change();
create trigger workflows_notify_update
  after update of project_id, name, workflow_type, task_queue, workflow_id_mode, fixed_workflow_id, workflow_id_param
  on public.workflows
  for each row execute function wfb.notify_route_change();

create trigger service_interfaces_notify_insert_delete after insert or delete on public.service_interfaces
  for each row execute function wfb.notify_route_change();
create trigger service_interfaces_notify_update
  after update of project_id, workflow_id, name, type, callable_name, input_schema, output_schema
  on public.service_interfaces
  for each row execute function wfb.notify_route_change();

create trigger public_interfaces_notify_insert_delete after insert or delete on public.public_interfaces
  for each row execute function wfb.notify_route_change();
create trigger public_interfaces_notify_update
  after update of project_id, service_interface_id, method, path, route_hash, rate_limit_per_minute, enabled
  on public.public_interfaces
  for each row execute function wfb.notify_route_change();
