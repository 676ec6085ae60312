-- Project connectors: workflows of a source project call chosen interfaces of a service in
-- a target project through a Temporal Nexus endpoint the control plane provisions.
--
-- A requester names the target by project slug, service name and interface names; nothing
-- about the target is resolved or shown to them until an admin of the target approves
-- (target_project_id stays null until then), so the answer is the same whether the target
-- exists or not. Either side revokes; the target side narrows the allowed interfaces; the
-- source side deletes. A revoked or deleted connector stays as a tombstone (its endpoint
-- refuses every call at once) until the controller purges it after the retention period.
--
-- Rules hold against direct SQL as `authenticated` too: column grants keep the controller's
-- bookkeeping (endpoint_*, sync_*) to the service role, a guard trigger decides which side
-- may change what, and audit events are written by a trigger, as in 20261201000200.

create table public.project_connectors (
  id uuid primary key default gen_random_uuid(),
  -- The source project: the one whose workflows call. Owns the row.
  project_id uuid not null references public.projects (id) on delete cascade,
  -- Workflow code names the connector; the endpoint name derives from (source namespace, name).
  name text not null check (name ~ '^[a-z][a-z0-9-]{0,61}[a-z0-9]$'),
  description text not null default '' check (char_length(description) <= 2000),
  -- Copied from the source project on insert (slugs never change) for the target side to see.
  source_project_slug text not null,
  requested_project_slug text not null check (requested_project_slug ~ '^[a-z][a-z0-9-]{1,38}[a-z0-9]$'),
  requested_service_name text not null check (requested_service_name ~ '^[a-z][a-z0-9-]{0,61}[a-z0-9]$'),
  requested_interfaces text[] not null
    check (cardinality(requested_interfaces) between 1 and 100 and array_position(requested_interfaces, null) is null),
  allowed_interfaces text[] not null default '{}' check (array_position(allowed_interfaces, null) is null),
  -- Resolved by the approving admin; null while pending and after the target project is deleted.
  target_project_id uuid references public.projects (id) on delete set null,
  target_service_id uuid,
  approved_at timestamptz,
  approved_by uuid,
  revoked_at timestamptz,
  revoked_by uuid,
  revoked_side text check (revoked_side in ('source', 'target')),
  deleted_at timestamptz,
  deleted_by uuid,
  -- When the connector stopped being usable: the start of its tombstone retention.
  tombstoned_at timestamptz,
  -- The endpoint controller's bookkeeping (service role only).
  endpoint_name text,
  endpoint_id text,
  endpoint_version text,
  sync_status text not null default 'pending' check (sync_status in ('pending', 'synced', 'error', 'absent')),
  sync_error text check (char_length(sync_error) <= 2000),
  synced_at timestamptz,
  created_by uuid not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  foreign key (target_service_id, target_project_id)
    references public.workflows (id, project_id) on delete set null (target_service_id),
  check ((approved_at is null) = (approved_by is null)),
  check (approved_at is not null or (target_project_id is null and target_service_id is null)),
  check ((revoked_at is null) = (revoked_by is null) and (revoked_at is null) = (revoked_side is null)),
  check ((deleted_at is null) = (deleted_by is null))
);
-- A name identifies one live connector of a project; tombstones of deleted ones free it.
create unique index project_connectors_live_name_idx on public.project_connectors (project_id, name)
  where deleted_at is null;
create index project_connectors_target_idx on public.project_connectors (target_project_id)
  where target_project_id is not null;
create index project_connectors_requested_idx on public.project_connectors (requested_project_slug)
  where approved_at is null;
create index project_connectors_endpoint_idx on public.project_connectors (endpoint_name)
  where endpoint_name is not null;

-- True when the caller is a member of the project with this slug (pending requests name the
-- target by slug only).
create function wfb.member_of_slug(target_slug text) returns boolean
language sql stable security definer set search_path = '' as $$
  select exists (
    select 1 from public.projects p join public.project_members m on m.project_id = p.id
    where p.slug = target_slug and m.user_id = auth.uid()
  )
$$;

-- The project whose admins decide about a connector: the resolved target once approved, the
-- project with the requested slug before.
create function wfb.connector_target_project(approved timestamptz, target uuid, requested_slug text) returns uuid
language sql stable security definer set search_path = '' as $$
  select case when approved is not null then target
    else (select p.id from public.projects p where p.slug = requested_slug) end
$$;

revoke all on function wfb.member_of_slug(text), wfb.connector_target_project(timestamptz, uuid, text) from public;
grant execute on function wfb.member_of_slug(text), wfb.connector_target_project(timestamptz, uuid, text)
  to authenticated, service_role;

alter table public.project_connectors enable row level security;
-- Source members see their connectors; target members see those pointing at them (pending
-- requests by slug), and nothing else of the source project.
create policy project_connectors_select on public.project_connectors for select to authenticated
  using (
    wfb.member_role(project_id) is not null
    or (target_project_id is not null and wfb.member_role(target_project_id) is not null)
    or (approved_at is null and wfb.member_of_slug(requested_project_slug))
  );
create policy project_connectors_insert on public.project_connectors for insert to authenticated
  with check (wfb.has_role(project_id, array['owner', 'admin', 'member']) and created_by = auth.uid());
-- Which columns each side may change is the guard trigger's business.
create policy project_connectors_update on public.project_connectors for update to authenticated
  using (
    wfb.has_role(project_id, array['owner', 'admin', 'member'])
    or wfb.has_role(wfb.connector_target_project(approved_at, target_project_id, requested_project_slug),
      array['owner', 'admin'])
  )
  with check (
    wfb.has_role(project_id, array['owner', 'admin', 'member'])
    or wfb.has_role(wfb.connector_target_project(approved_at, target_project_id, requested_project_slug),
      array['owner', 'admin'])
  );
-- No delete policy: users delete by marking (deleted_at); the row is the tombstone.

grant select on public.project_connectors to authenticated;
grant insert (id, project_id, name, description, requested_project_slug, requested_service_name,
  requested_interfaces, created_by) on public.project_connectors to authenticated;
grant update (description, allowed_interfaces, target_project_id, target_service_id, approved_at, approved_by,
  revoked_at, revoked_by, revoked_side, deleted_at, deleted_by, updated_at) on public.project_connectors
  to authenticated;
grant select, insert, update, delete on public.project_connectors to service_role;

-- Where the service role lacks BYPASSRLS (see 20261201000300), it needs its own policy.
do $$
begin
  if not (select rolbypassrls from pg_roles where rolname = 'service_role') then
    create policy project_connectors_service_role on public.project_connectors for all to service_role
      using (true) with check (true);
  end if;
end
$$;

create function wfb.guard_project_connector() returns trigger
language plpgsql set search_path = '' as $$
declare
  is_source boolean;
  decider uuid;
  is_target_admin boolean;
  approving boolean;
begin
  if tg_op = 'INSERT' then
    select p.slug into new.source_project_slug from public.projects p where p.id = new.project_id;
    if current_user = 'authenticated' and (new.approved_at is not null or new.target_project_id is not null
      or new.revoked_at is not null or new.deleted_at is not null or cardinality(new.allowed_interfaces) > 0)
    then
      raise exception 'a project connector starts as a pending request' using errcode = '42501';
    end if;
    return new;
  end if;

  -- The target project is gone (ON DELETE SET NULL): its service is gone with it.
  if new.target_project_id is null then
    new.target_service_id := null;
  end if;
  if old.tombstoned_at is null and (new.revoked_at is not null or new.deleted_at is not null
    or (new.approved_at is not null and new.target_project_id is null))
  then
    new.tombstoned_at := now();
  end if;
  if current_user <> 'authenticated' then
    return new;
  end if;

  if (new.id, new.project_id, new.name, new.source_project_slug, new.requested_project_slug,
      new.requested_service_name, new.requested_interfaces, new.created_by, new.created_at)
    is distinct from
     (old.id, old.project_id, old.name, old.source_project_slug, old.requested_project_slug,
      old.requested_service_name, old.requested_interfaces, old.created_by, old.created_at)
  then
    raise exception 'a project connector keeps its name, source and request' using errcode = '42501';
  end if;
  if old.deleted_at is not null then
    raise exception 'a deleted project connector cannot change' using errcode = '42501';
  end if;

  is_source := wfb.has_role(old.project_id, array['owner', 'admin', 'member']);
  decider := wfb.connector_target_project(old.approved_at, old.target_project_id, old.requested_project_slug);
  is_target_admin := decider is not null and wfb.has_role(decider, array['owner', 'admin']);

  if new.description is distinct from old.description and not is_source then
    raise exception 'only the source project changes the description' using errcode = '42501';
  end if;

  if (new.deleted_at, new.deleted_by) is distinct from (old.deleted_at, old.deleted_by)
    and (not is_source or new.deleted_at is null or new.deleted_by is distinct from auth.uid())
  then
    raise exception 'only the source project deletes a project connector' using errcode = '42501';
  end if;

  if (new.revoked_at, new.revoked_by, new.revoked_side) is distinct from (old.revoked_at, old.revoked_by, old.revoked_side)
    and (old.revoked_at is not null or new.revoked_at is null or new.revoked_by is distinct from auth.uid()
      or (new.revoked_side = 'source' and not is_source) or (new.revoked_side = 'target' and not is_target_admin))
  then
    raise exception 'a revocation is final and names the side that made it' using errcode = '42501';
  end if;

  approving := (new.approved_at, new.approved_by, new.target_project_id, new.target_service_id)
    is distinct from (old.approved_at, old.approved_by, old.target_project_id, old.target_service_id);
  if approving then
    if old.approved_at is not null or new.approved_at is null or new.approved_by is distinct from auth.uid()
      or not is_target_admin or new.target_project_id is distinct from decider
      or new.revoked_at is not null or new.deleted_at is not null
    then
      raise exception 'only an admin of the requested project approves a pending connector, once'
        using errcode = '42501';
    end if;
    if not exists (
      select 1 from public.workflows w
      where w.id = new.target_service_id and w.project_id = decider and w.name = old.requested_service_name
    ) then
      raise exception 'the approved service must be the requested one' using errcode = '42501';
    end if;
  end if;

  if new.allowed_interfaces is distinct from old.allowed_interfaces then
    if not is_target_admin or new.approved_at is null or cardinality(new.allowed_interfaces) = 0
      or not (new.allowed_interfaces <@ (case when approving then old.requested_interfaces else old.allowed_interfaces end))
      or exists (
        select 1 from unnest(new.allowed_interfaces) a(name)
        where not exists (
          select 1 from public.service_interfaces si where si.workflow_id = new.target_service_id and si.name = a.name
        )
      )
    then
      raise exception 'the target project may only narrow allowed interfaces to requested ones its service has'
        using errcode = '42501';
    end if;
  elsif approving then
    raise exception 'an approval names the allowed interfaces' using errcode = '42501';
  end if;
  return new;
end
$$;

create trigger project_connectors_guard before insert or update on public.project_connectors
  for each row execute function wfb.guard_project_connector();

-- Audit: a user's own statement writes its event in the source project and, once the target
-- is known, in the target project too. Like wfb.audit_change, the app adds detail through
-- wfb.record_audit_event; system changes (controller, cascades) write nothing here.
create function wfb.audit_project_connector() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  before_row jsonb := case when tg_op = 'UPDATE' then to_jsonb(old) end;
  after_row jsonb := to_jsonb(new);
  changed text[];
  event_action text;
  facts jsonb;
  actor uuid := auth.uid();
  target uuid := coalesce(new.target_project_id, case when tg_op = 'UPDATE' then old.target_project_id end);
  project uuid;
begin
  if current_setting('role', true) is distinct from 'authenticated' or pg_trigger_depth() <> 1 then
    return null;
  end if;
  facts := jsonb_build_object('name', new.name, 'sourceProject', new.source_project_slug,
    'requestedProject', new.requested_project_slug, 'requestedService', new.requested_service_name);
  if tg_op = 'INSERT' then
    event_action := 'project_connector.created';
    facts := facts || jsonb_build_object('requestedInterfaces', to_jsonb(new.requested_interfaces));
  else
    select coalesce(array_agg(a.key order by a.key), '{}') into changed
    from jsonb_each(after_row) a
    where a.value is distinct from before_row -> a.key and a.key <> 'updated_at';
    if cardinality(changed) = 0 then
      return null;
    end if;
    event_action := case
      when old.deleted_at is null and new.deleted_at is not null then 'project_connector.deleted'
      when old.revoked_at is null and new.revoked_at is not null then 'project_connector.revoked'
      when old.approved_at is null and new.approved_at is not null then 'project_connector.approved'
      else 'project_connector.updated' end;
    facts := facts || jsonb_build_object('columns', to_jsonb(changed));
    if event_action = 'project_connector.revoked' then
      facts := facts || jsonb_build_object('side', new.revoked_side);
    end if;
    if 'allowed_interfaces' = any (changed) then
      facts := facts || jsonb_build_object('allowedInterfaces', to_jsonb(new.allowed_interfaces),
        'previousAllowedInterfaces', to_jsonb(old.allowed_interfaces));
    end if;
  end if;
  foreach project in array array_remove(array[new.project_id, case when target <> new.project_id then target end], null) loop
    insert into public.audit_events (project_id, actor_type, actor_id, action, entity_type, entity_id, metadata)
    values (project, 'user', actor::text, event_action, 'project_connector', new.id::text, facts);
  end loop;
  return null;
end
$$;

create trigger project_connectors_audit after insert or update on public.project_connectors
  for each row execute function wfb.audit_project_connector();

-- Change feeds. The controller converges on user changes; its own bookkeeping announces
-- itself on a channel of its own so a pass does not trigger the next one. Workers listen to
-- both (a caller checks that the endpoint exists) and to wfb_routes (services, interfaces).
create trigger project_connectors_notify_insert_delete after insert or delete on public.project_connectors
  for each row execute function wfb.notify_change('wfb_project_connectors', 'id');
create trigger project_connectors_notify_update
  after update of project_id, name, description, allowed_interfaces, target_project_id, target_service_id,
    approved_at, revoked_at, deleted_at, tombstoned_at
  on public.project_connectors
  for each row execute function wfb.notify_change('wfb_project_connectors', 'id');
create trigger project_connectors_notify_endpoint after update of endpoint_name, endpoint_id
  on public.project_connectors
  for each row execute function wfb.notify_change('wfb_nexus_endpoints', 'id');
-- Worker fleets serving every project pick up new and deleted projects.
create trigger projects_notify_fleet after insert or delete on public.projects
  for each row execute function wfb.notify_change('wfb_projects', 'id');

-- ---------------------------------------------------------------------------------------
-- The worker's read-only window: role `wfb_worker` logs in (password set by the operator,
-- as for `authenticator`) and may read two views and LISTEN; nothing else. The views run
-- with their owner's rights, so they show exactly these columns of every project and no
-- secret: no credentials, no key hashes, no members.
-- ---------------------------------------------------------------------------------------
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'wfb_worker') then
    begin
      create role wfb_worker login noinherit;
    exception when duplicate_object or unique_violation then
      null;
    end;
  end if;
end
$$;

-- "if not exists": a schema outside public survives a reset of public (migrate.test.ts).
create schema if not exists wfb_worker;
revoke all on schema wfb_worker from public;

create view wfb_worker.connector_policy as
select
  c.id,
  c.name,
  c.project_id as source_project_id,
  src.temporal_namespace as source_namespace,
  c.target_project_id,
  tgt.temporal_namespace as target_namespace,
  c.endpoint_name,
  c.endpoint_id is not null as endpoint_ready,
  case
    when c.deleted_at is not null then 'deleted'
    when c.revoked_at is not null then 'revoked'
    when c.approved_at is null then 'pending_approval'
    when c.target_project_id is null then 'target_deleted'
    else 'active'
  end as state,
  w.name as service_name,
  w.workflow_type,
  w.task_queue,
  w.workflow_id_mode,
  w.fixed_workflow_id,
  w.workflow_id_param,
  c.allowed_interfaces,
  coalesce((
    select jsonb_agg(jsonb_build_object('id', si.id, 'name', si.name, 'type', si.type,
      'callableName', si.callable_name, 'inputSchema', si.input_schema) order by si.name)
    from public.service_interfaces si
    where si.workflow_id = w.id and si.name = any (c.allowed_interfaces)
  ), '[]'::jsonb) as interfaces,
  c.created_at
from public.project_connectors c
join public.projects src on src.id = c.project_id
left join public.projects tgt on tgt.id = c.target_project_id
left join public.workflows w on w.id = c.target_service_id;

create view wfb_worker.project_namespaces as
select p.id, p.slug, p.temporal_namespace from public.projects p;

grant usage on schema wfb_worker to wfb_worker, service_role;
grant select on wfb_worker.connector_policy, wfb_worker.project_namespaces to wfb_worker, service_role;
