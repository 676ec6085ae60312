-- Services hardening: what admins published stays theirs to change.
--
-- Publishing an interface is an admin decision (public_interfaces RLS), but what a published
-- route runs lives on the service and the interface, which members may write. While a public
-- interface depends on them, re-pointing a service (workflow type, task queue, workflow id
-- source), changing an interface's callable name, type or schemas, or deleting either (which
-- cascades to the public interfaces and their scoped API keys) therefore needs owner or admin,
-- exactly as the service layer checks.
--
-- Only user transactions (role `authenticated`) are checked. ON DELETE CASCADE runs as the
-- table owner, so deleting a whole project is unaffected, as are the service role and operators.

create function wfb.guard_published_workflow() returns trigger
language plpgsql set search_path = '' as $$
declare
  outcome record;
begin
  if tg_op = 'DELETE' then
    outcome := old;
  else
    outcome := new;
  end if;
  if current_user <> 'authenticated' or wfb.has_role(old.project_id, array['owner', 'admin']) then
    return outcome;
  end if;
  if tg_op = 'UPDATE'
    and (new.project_id, new.name, new.workflow_type, new.task_queue, new.workflow_id_mode,
         new.fixed_workflow_id, new.workflow_id_param)
      is not distinct from
        (old.project_id, old.name, old.workflow_type, old.task_queue, old.workflow_id_mode,
         old.fixed_workflow_id, old.workflow_id_param)
  then
    return outcome;
  end if;
  if exists (
    select 1 from public.public_interfaces pi
    join public.service_interfaces si on si.id = pi.service_interface_id
    where si.workflow_id = old.id
  ) then
    raise exception 'only an owner or admin may % a service that public interfaces publish', lower(tg_op)
      using errcode = '42501';
  end if;
  return outcome;
end
$$;

create trigger workflows_guard_published before update or delete on public.workflows
  for each row execute function wfb.guard_published_workflow();

create function wfb.guard_published_interface() returns trigger
language plpgsql set search_path = '' as $$
declare
  outcome record;
begin
  if tg_op = 'DELETE' then
    outcome := old;
  else
    outcome := new;
  end if;
  if current_user <> 'authenticated' or wfb.has_role(old.project_id, array['owner', 'admin']) then
    return outcome;
  end if;
  if tg_op = 'UPDATE'
    and (new.project_id, new.workflow_id, new.name, new.type, new.callable_name, new.input_schema,
         new.output_schema)
      is not distinct from
        (old.project_id, old.workflow_id, old.name, old.type, old.callable_name, old.input_schema,
         old.output_schema)
  then
    return outcome;
  end if;
  if exists (select 1 from public.public_interfaces pi where pi.service_interface_id = old.id) then
    raise exception 'only an owner or admin may % a service interface that public interfaces publish', lower(tg_op)
      using errcode = '42501';
  end if;
  return outcome;
end
$$;

create trigger service_interfaces_guard_published before update or delete on public.service_interfaces
  for each row execute function wfb.guard_published_interface();
