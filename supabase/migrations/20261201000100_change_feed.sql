-- One change-feed trigger function for every table whose changes instances cache.
-- Arguments: the NOTIFY channel, then the column whose value is the payload (the key a
-- listener reloads or evicts). An update that moves a row to another key announces both.
create function wfb.notify_change() returns trigger
language plpgsql as $$
declare
  channel text := tg_argv[0];
  key_column text := tg_argv[1];
  old_key text;
  new_key text;
begin
  if tg_op in ('UPDATE', 'DELETE') then
    old_key := to_jsonb(old) ->> key_column;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    new_key := to_jsonb(new) ->> key_column;
  end if;
  if new_key is not null then
    perform pg_notify(channel, new_key);
  end if;
  if old_key is not null and old_key is distinct from new_key then
    perform pg_notify(channel, old_key);
  end if;
  return null;
end
$$;

-- Same events and column lists as before; only the function changes.
drop trigger api_keys_notify_insert_delete on public.api_keys;
drop trigger api_keys_notify_update on public.api_keys;
create trigger api_keys_notify_insert_delete after insert or delete on public.api_keys
  for each row execute function wfb.notify_change('wfb_api_keys', 'key_hash');
create trigger api_keys_notify_update
  after update of key_hash, project_id, name, public_interface_id, rate_limit_per_minute, expires_at, revoked_at, replaced_by
  on public.api_keys
  for each row execute function wfb.notify_change('wfb_api_keys', 'key_hash');

drop trigger workflows_notify_insert_delete on public.workflows;
drop trigger workflows_notify_update on public.workflows;
create trigger workflows_notify_insert_delete after insert or delete on public.workflows
  for each row execute function wfb.notify_change('wfb_routes', 'project_id');
create trigger workflows_notify_update
  after update of project_id, name, workflow_type, task_queue, workflow_id_mode, fixed_workflow_id, workflow_id_param
  on public.workflows
  for each row execute function wfb.notify_change('wfb_routes', 'project_id');

drop trigger service_interfaces_notify_insert_delete on public.service_interfaces;
drop trigger service_interfaces_notify_update on public.service_interfaces;
create trigger service_interfaces_notify_insert_delete after insert or delete on public.service_interfaces
  for each row execute function wfb.notify_change('wfb_routes', 'project_id');
create trigger service_interfaces_notify_update
  after update of project_id, workflow_id, name, type, callable_name, input_schema, output_schema
  on public.service_interfaces
  for each row execute function wfb.notify_change('wfb_routes', 'project_id');

drop trigger public_interfaces_notify_insert_delete on public.public_interfaces;
drop trigger public_interfaces_notify_update on public.public_interfaces;
create trigger public_interfaces_notify_insert_delete after insert or delete on public.public_interfaces
  for each row execute function wfb.notify_change('wfb_routes', 'project_id');
create trigger public_interfaces_notify_update
  after update of project_id, service_interface_id, method, path, route_hash, rate_limit_per_minute, enabled
  on public.public_interfaces
  for each row execute function wfb.notify_change('wfb_routes', 'project_id');

drop function wfb.notify_api_key_change();
drop function wfb.notify_route_change();
