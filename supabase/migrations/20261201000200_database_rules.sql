-- Database rules: what the API enforces about connector origins and the audit log also
-- holds for SQL that reaches the tables directly as `authenticated` (Supabase's Data API,
-- a SQL console with a user's JWT). The service role and operators are trusted and skip
-- the user checks, like the guards in earlier migrations.

-- ---------------------------------------------------------------------------------------
-- 1. A stored secret never follows a destination to another origin.
--
-- Destinations: connectors.base_url and every top-level auth_config key whose name ends in
-- "url" (any case: tokenUrl, authorization_url, jwksURL) or is "issuer", so settings added
-- later are covered without a new migration. Moving one to another origin (scheme, host,
-- port) needs an owner or admin AND every secret sealed anew in the same statement (auth
-- settings) or transaction (base_url, a separate table the API writes after the secrets).
--
-- "Sealed anew" cannot mean "ciphertext differs": members read the ciphertext, and an old
-- version copied back would differ from the current one yet decrypt to a stored secret.
-- So every field IV (random per seal) ever stored for a connector is remembered; a record
-- is fresh only if none of its IVs was seen before. Only the app, holding the key, can
-- produce one.
-- ---------------------------------------------------------------------------------------

-- Scheme, host and port, lower-cased, default ports dropped (as the WHATWG URL origin the
-- API compares); text that is no URL stands for itself.
create function wfb.url_origin(url text) returns text
language sql immutable set search_path = '' as $$
  select coalesce(
    case
      when o ~ '^https://[^/]*:443$' then left(o, -4)
      when o ~ '^http://[^/]*:80$' then left(o, -3)
      else o
    end,
    url
  )
  from (select lower(substring(url from '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*')) as o) parts
$$;

-- An authorization-code connector's issuer defaults to its authorization URL's origin (as
-- in the API), so stating it on that host moves nothing.
create function wfb.auth_config_origins(config jsonb) returns jsonb
language sql immutable set search_path = '' as $$
  select case
    when config ->> 'type' = 'oauth2_authorization_code' and not (o ? 'issuer') and o ? 'authorizationUrl'
      then o || jsonb_build_object('issuer', o -> 'authorizationUrl')
    else o
  end
  from (
    select coalesce(
      jsonb_object_agg(
        e.key,
        wfb.url_origin(case jsonb_typeof(e.value) when 'string' then e.value #>> '{}' else e.value::text end)
      ),
      '{}'::jsonb
    ) as o
    from jsonb_each(case when jsonb_typeof(config) = 'object' then config else '{}'::jsonb end) e
    where e.key ~* 'url$' or e.key = 'issuer'
  ) origins
$$;

create table wfb.credential_seals (
  connector_id uuid not null references public.connectors (id) on delete cascade,
  -- The field IV in canonical base64 (standard alphabet, no padding): the app's decoder
  -- also accepts URL-safe and padded spellings of the same bytes.
  iv text not null,
  xact bigint not null default txid_current(),
  primary key (connector_id, iv)
);
alter table wfb.credential_seals enable row level security;
revoke all on wfb.credential_seals from public;

create function wfb.stored_ivs(target uuid) returns table (iv text)
language sql stable security definer set search_path = '' as $$
  select distinct translate(rtrim(f.value ->> 'iv', '='), '-_', '+/')
  from public.connector_credentials c
  cross join lateral jsonb_each(
    case when jsonb_typeof(c.encrypted_credentials -> 'fields') = 'object'
      then c.encrypted_credentials -> 'fields' else '{}'::jsonb end
  ) f
  where c.connector_id = target
$$;

-- Remembers the IVs of the connector's stored record; true when none was seen before.
-- A field without an IV counts as seen (fails closed); it could not decrypt anyway.
create function wfb.seal_credentials(target uuid) returns boolean
language plpgsql security definer set search_path = '' as $$
declare
  stored_count integer;
  added_count integer;
begin
  select count(*) into stored_count from wfb.stored_ivs(target);
  with added as (
    insert into wfb.credential_seals (connector_id, iv)
    select target, s.iv from wfb.stored_ivs(target) s where s.iv is not null
    on conflict do nothing
    returning 1
  )
  select count(*) into added_count from added;
  return added_count = stored_count;
end
$$;

-- True when every secret the connector stores was sealed in the current transaction.
create function wfb.credentials_sealed_now(target uuid) returns boolean
language sql stable security definer set search_path = '' as $$
  select coalesce(bool_and(coalesce(s.xact = txid_current(), false)), true)
  from wfb.stored_ivs(target) i
  left join wfb.credential_seals s on s.connector_id = target and s.iv = i.iv
$$;

revoke all on function wfb.url_origin(text), wfb.auth_config_origins(jsonb), wfb.stored_ivs(uuid),
  wfb.seal_credentials(uuid), wfb.credentials_sealed_now(uuid) from public;
grant execute on function wfb.url_origin(text), wfb.auth_config_origins(jsonb), wfb.seal_credentials(uuid),
  wfb.credentials_sealed_now(uuid) to authenticated, service_role;

-- Remember what is stored today, so none of it can be copied back later as "fresh".
insert into wfb.credential_seals (connector_id, iv)
select c.connector_id, s.iv
from public.connector_credentials c cross join lateral wfb.stored_ivs(c.connector_id) s
where s.iv is not null
on conflict do nothing;

create function wfb.guard_credential_origins() returns trigger
language plpgsql set search_path = '' as $$
declare
  fresh boolean;
  before_origins jsonb;
  moved text[];
  replaced text[];
begin
  -- Every writer registers what it stored (the service role's token refreshes too).
  fresh := wfb.seal_credentials(new.connector_id);
  if current_user <> 'authenticated' then
    return null;
  end if;
  if tg_op = 'INSERT' then
    -- Deleting the row and inserting an old copy is an origin move in two steps.
    if not fresh then
      raise exception 'connector credentials must be sealed anew by the application'
        using errcode = '42501';
    end if;
    return null;
  end if;
  before_origins := wfb.auth_config_origins(old.auth_config);
  select coalesce(array_agg(a.key order by a.key), '{}'), coalesce(array_agg(a.key) filter (where before_origins ? a.key), '{}')
    into moved, replaced
  from jsonb_each_text(wfb.auth_config_origins(new.auth_config)) a
  where a.value is distinct from before_origins ->> a.key;
  if cardinality(moved) = 0 then
    return null;
  end if;
  if not fresh then
    raise exception 'auth_config % moved to another origin: every secret must be supplied again in the same statement',
      array_to_string(moved, ', ') using errcode = '42501';
  end if;
  -- A destination only the new type has (a type change) comes with the new type's
  -- secrets, as in the API; moving an existing one, or adding one to the same type, is an
  -- admin decision.
  if (cardinality(replaced) > 0 or (old.auth_config ->> 'type') is not distinct from (new.auth_config ->> 'type'))
    and not wfb.has_role(old.project_id, array['owner', 'admin'])
  then
    raise exception 'only an owner or admin may move auth_config % to another origin', array_to_string(moved, ', ')
      using errcode = '42501';
  end if;
  return null;
end
$$;

create trigger connector_credentials_guard_origins
  after insert or update of auth_config, encrypted_credentials on public.connector_credentials
  for each row execute function wfb.guard_credential_origins();

create function wfb.guard_connector_origin() returns trigger
language plpgsql set search_path = '' as $$
begin
  if current_user <> 'authenticated'
    or wfb.url_origin(new.base_url) is not distinct from wfb.url_origin(old.base_url)
  then
    return new;
  end if;
  if not wfb.has_role(old.project_id, array['owner', 'admin']) then
    raise exception 'only an owner or admin may move base_url to another origin' using errcode = '42501';
  end if;
  if not wfb.credentials_sealed_now(old.id) then
    raise exception 'base_url moved to another origin: every secret must be supplied again in the same transaction'
      using errcode = '42501';
  end if;
  return new;
end
$$;

create trigger connectors_guard_origin before update of base_url on public.connectors
  for each row execute function wfb.guard_connector_origin();

-- ---------------------------------------------------------------------------------------
-- 2. The audit log describes only what happened.
--
-- Users no longer insert audit rows. A user's change to an audited table writes its own
-- event from a trigger: the actor is auth.uid(), the action follows from the change. The
-- app adds detail only it knows (e.g. which secrets changed) to such an event, and records
-- credential use (a connector test, an OAuth authorization) through one narrow function
-- that checks the connector exists and the caller may read its credentials. System actors
-- (API keys on the proxy, background jobs) write as the service role.
-- ---------------------------------------------------------------------------------------

-- The transaction that wrote an event: the app may add detail to its own events only.
alter table public.audit_events add column xact bigint not null default txid_current();
create index audit_events_xact_idx on public.audit_events (xact);

drop policy audit_insert on public.audit_events;
revoke insert, update, delete on public.audit_events from authenticated;

-- Only a user's own statement is audited here: the role it runs as is `authenticated` and
-- the trigger is not nested (cascaded deletes of a project's rows, writes made by other
-- triggers). SECURITY DEFINER to write the table; `current_setting('role')` still names the
-- role the statement runs as.
create function wfb.audit_change() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  entity text := tg_argv[0];
  before_row jsonb := case when tg_op <> 'INSERT' then to_jsonb(old) end;
  after_row jsonb := case when tg_op <> 'DELETE' then to_jsonb(new) end;
  data jsonb := coalesce(to_jsonb(new), to_jsonb(old));
  changed text[] := '{}';
  touched boolean := tg_op <> 'UPDATE';
  project uuid := (data ->> 'project_id')::uuid;
  entity_key text := data ->> 'id';
  event_action text;
  facts jsonb := '{}'::jsonb;
  actor uuid := auth.uid();
begin
  if current_setting('role', true) is distinct from 'authenticated' or pg_trigger_depth() <> 1 then
    return null;
  end if;
  if tg_op = 'UPDATE' then
    -- Bookkeeping the app writes on use (tests, last use, refresh leases) is not a change.
    select coalesce(array_agg(a.key order by a.key) filter (where a.key not in ('updated_at', 'credentials_version')), '{}'),
           count(*) > 0
      into changed, touched
    from jsonb_each(after_row) a
    where a.value is distinct from before_row -> a.key
      and a.key not in ('last_used_at', 'last_tested_at', 'last_test_status', 'last_test_latency_ms',
                        'last_test_error', 'refresh_lease_until');
    if not touched then
      return null;
    end if;
  end if;

  case entity
  when 'project' then
    project := (data ->> 'id')::uuid;
    facts := jsonb_build_object('slug', data -> 'slug', 'name', data -> 'name');
    event_action := case tg_op when 'INSERT' then 'project.created' when 'DELETE' then 'project.deleted'
      else 'project.renamed' end;
    if tg_op = 'INSERT' then
      facts := facts || jsonb_build_object('temporalNamespace', data -> 'temporal_namespace');
    end if;
  when 'project_member' then
    entity_key := data ->> 'user_id';
    event_action := case tg_op when 'INSERT' then 'member.added' when 'DELETE' then 'member.removed'
      else 'member.role_changed' end;
    facts := case tg_op when 'UPDATE' then jsonb_build_object('from', before_row -> 'role', 'to', after_row -> 'role')
      else jsonb_build_object('role', data -> 'role') end;
  when 'api_key' then
    facts := jsonb_build_object('name', data -> 'name', 'hint', data -> 'hint');
    event_action := case
      when tg_op = 'INSERT' then 'api_key.created'
      when tg_op = 'DELETE' then 'api_key.deleted'
      when before_row ->> 'revoked_at' is null and after_row ->> 'revoked_at' is not null then 'api_key.revoked'
      when before_row ->> 'replaced_by' is null and after_row ->> 'replaced_by' is not null then 'api_key.rolled'
      else 'api_key.updated' end;
    if tg_op = 'INSERT' then
      facts := facts || jsonb_build_object('scope', data -> 'public_interface_id', 'environment', data -> 'environment');
    elsif event_action = 'api_key.rolled' then
      facts := facts || jsonb_build_object('successorId', after_row -> 'replaced_by', 'expiresAt', after_row -> 'expires_at');
    end if;
  when 'service', 'service_interface', 'public_interface' then
    event_action := entity || case tg_op when 'INSERT' then '.created' when 'DELETE' then '.deleted' else '.updated' end;
    facts := case entity
      when 'service' then jsonb_build_object('name', data -> 'name', 'workflowType', data -> 'workflow_type',
        'taskQueue', data -> 'task_queue')
      when 'service_interface' then jsonb_build_object('name', data -> 'name', 'type', data -> 'type',
        'callableName', data -> 'callable_name')
      else jsonb_build_object('method', data -> 'method', 'path', data -> 'path', 'routeHash', data -> 'route_hash') end;
  when 'connector' then
    facts := jsonb_build_object('name', data -> 'name', 'type', data -> 'type');
    event_action := case
      when tg_op = 'INSERT' then 'connector.created'
      when tg_op = 'DELETE' then 'connector.deleted'
      when changed = array['enabled'] then
        case when (after_row ->> 'enabled')::boolean then 'connector.enabled' else 'connector.disabled' end
      else 'connector.updated' end;
    if tg_op = 'INSERT' or 'base_url' = any (changed) then
      facts := facts || jsonb_build_object('baseUrl', data -> 'base_url');
    end if;
  when 'connector_credentials' then
    -- Settings and secrets are part of the connector's event; values never appear.
    entity := 'connector';
    entity_key := data ->> 'connector_id';
    event_action := case tg_op when 'UPDATE' then 'connector.updated' when 'DELETE' then 'connector.credentials_deleted'
      else 'connector.credentials_set' end;
    if tg_op = 'INSERT' and exists (
      select 1 from public.audit_events e
      where e.xact = txid_current() and e.entity_type = 'connector' and e.entity_id = entity_key
        and e.action = 'connector.created'
    ) then
      return null;
    end if;
  else
    raise exception 'wfb.audit_change: unknown entity %', entity;
  end case;

  if tg_op = 'UPDATE' then
    facts := facts || jsonb_build_object('columns', to_jsonb(changed));
  end if;
  -- One event per entity and action per transaction: a connector update touches two tables.
  update public.audit_events e
    set metadata = e.metadata || facts || jsonb_build_object('columns', (
      select coalesce(jsonb_agg(distinct c order by c), '[]'::jsonb)
      from jsonb_array_elements_text(coalesce(e.metadata -> 'columns', '[]'::jsonb) || coalesce(facts -> 'columns', '[]'::jsonb)) c
    ))
  where e.xact = txid_current() and e.entity_type = entity and e.entity_id = entity_key
    and e.action = event_action and e.actor_id is not distinct from actor::text;
  if not found then
    insert into public.audit_events (project_id, actor_type, actor_id, action, entity_type, entity_id, metadata)
    values (project, 'user', actor::text, event_action, entity, entity_key, facts);
  end if;
  return null;
end
$$;

create trigger projects_audit after insert or update or delete on public.projects
  for each row execute function wfb.audit_change('project');
create trigger project_members_audit after insert or update or delete on public.project_members
  for each row execute function wfb.audit_change('project_member');
create trigger api_keys_audit after insert or update or delete on public.api_keys
  for each row execute function wfb.audit_change('api_key');
create trigger workflows_audit after insert or update or delete on public.workflows
  for each row execute function wfb.audit_change('service');
create trigger service_interfaces_audit after insert or update or delete on public.service_interfaces
  for each row execute function wfb.audit_change('service_interface');
create trigger public_interfaces_audit after insert or update or delete on public.public_interfaces
  for each row execute function wfb.audit_change('public_interface');
create trigger connectors_audit after insert or update or delete on public.connectors
  for each row execute function wfb.audit_change('connector');
create trigger connector_credentials_audit after insert or update or delete on public.connector_credentials
  for each row execute function wfb.audit_change('connector_credentials');

-- The app's one way to put a user's name on an event. Credential use (the listed actions)
-- is recorded for a connector the caller may read the credentials of; anything else only
-- adds detail to an event the caller's own change wrote in this transaction, whose action
-- must match: an event is never invented. Detail never overrides what the trigger wrote.
create function wfb.record_audit_event(target_type text, target_id text, event_action text, detail jsonb)
returns void
language plpgsql security definer set search_path = '' as $$
declare
  caller uuid := auth.uid();
  project uuid;
begin
  if caller is null or current_setting('role', true) is distinct from 'authenticated' then
    raise exception 'audit events are recorded for a signed-in user only' using errcode = '42501';
  end if;
  if jsonb_typeof(detail) is distinct from 'object' or octet_length(detail::text) > 8192 then
    raise exception 'audit detail must be a JSON object of at most 8 KiB' using errcode = '22023';
  end if;
  if event_action in ('connector.tested', 'connector.oauth_started', 'connector.oauth_authorized') then
    if target_type = 'connector' then
      select c.project_id into project from public.connectors c where c.id::text = target_id;
    end if;
    if project is null or not wfb.has_role(project, array['owner', 'admin', 'member']) then
      raise exception 'connector not found' using errcode = '42501';
    end if;
    insert into public.audit_events (project_id, actor_type, actor_id, action, entity_type, entity_id, metadata)
    values (project, 'user', caller::text, event_action, 'connector', target_id, detail);
    return;
  end if;
  update public.audit_events e set metadata = detail || e.metadata
  where e.xact = txid_current() and e.entity_type = target_type and e.entity_id = target_id
    and e.action = event_action and e.actor_type = 'user' and e.actor_id = caller::text;
  if not found then
    raise exception 'no % of % % in this transaction to record', event_action, target_type, target_id
      using errcode = 'P0002';
  end if;
end
$$;

revoke all on function wfb.record_audit_event(text, text, text, jsonb) from public;
grant execute on function wfb.record_audit_event(text, text, text, jsonb) to authenticated;
