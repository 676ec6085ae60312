-- Kong sync status: one row per public interface, telling its members whether Kong serves
-- the interface as it is now (`synced`), has yet to catch up (`pending`) or refused it
-- (`error`, with Kong's reason). A table of its own, not columns on public_interfaces: the
-- controller writes it on every pass that changes something, and those writes must not
-- fire the `wfb_routes` triggers (every instance would reload its route table) nor the
-- audit trigger (bookkeeping is no user change).
--
-- Writers: the controller, as the service role. Members read their project's rows; no
-- user writes any (direct SQL as `authenticated` included): a user could otherwise claim
-- an interface is live in Kong when it is not.
--
-- `revision` counts route-relevant changes of the interface. A change (by anyone, API or
-- SQL) marks the row `pending` and bumps it from a trigger; the controller records the
-- outcome of a pass only where the revision is still the one it read, so a pass that raced
-- a change never marks the newer version `synced`.

create table public.public_interface_kong_status (
  public_interface_id uuid primary key,
  project_id uuid not null,
  status text not null default 'pending' check (status in ('synced', 'pending', 'error')),
  revision bigint not null default 1,
  kong_route_id uuid,
  kong_plugin_ids uuid[] not null default '{}',
  last_error text check (char_length(last_error) <= 2000),
  last_synced_at timestamptz,
  updated_at timestamptz not null default now(),
  foreign key (public_interface_id, project_id)
    references public.public_interfaces (id, project_id) on delete cascade on update cascade
);
create index public_interface_kong_status_project_idx on public.public_interface_kong_status (project_id);

alter table public.public_interface_kong_status enable row level security;
create policy public_interface_kong_status_select on public.public_interface_kong_status
  for select to authenticated using (wfb.member_role(project_id) is not null);
revoke all on public.public_interface_kong_status from public, anon, authenticated;
grant select on public.public_interface_kong_status to authenticated;
grant select, insert, update, delete on public.public_interface_kong_status to service_role;

-- Where the service role cannot bypass RLS (no superuser migrated), a policy stands in, as
-- 20261201000300 did for the tables that existed then.
do $$
begin
  if not (select rolbypassrls from pg_roles where rolname = 'service_role') then
    create policy public_interface_kong_status_service_role on public.public_interface_kong_status
      for all to service_role using (true) with check (true);
  end if;
end
$$;

-- Any change Kong would see (the columns the translation reads) makes the interface pending.
-- SECURITY DEFINER: it runs in users' transactions, who may not write the table themselves.
create function wfb.mark_kong_pending() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  insert into public.public_interface_kong_status as s (public_interface_id, project_id)
  values (new.id, new.project_id)
  on conflict (public_interface_id) do update
    set status = 'pending', revision = s.revision + 1, updated_at = now();
  return null;
end
$$;
revoke all on function wfb.mark_kong_pending() from public;

create trigger public_interfaces_kong_pending_insert after insert on public.public_interfaces
  for each row execute function wfb.mark_kong_pending();
create trigger public_interfaces_kong_pending_update
  after update of project_id, method, path, route_hash, rate_limit_per_minute, enabled
  on public.public_interfaces
  for each row
  when ((old.project_id, old.method, old.path, old.route_hash, old.rate_limit_per_minute, old.enabled)
    is distinct from (new.project_id, new.method, new.path, new.route_hash, new.rate_limit_per_minute, new.enabled))
  execute function wfb.mark_kong_pending();

insert into public.public_interface_kong_status (public_interface_id, project_id)
select id, project_id from public.public_interfaces
on conflict do nothing;
