-- Role rules enforced by the database as well as by the services, for every client that
-- reaches the tables directly (Supabase's Data API, a raw SQL console with a user's JWT).

-- Only owners create, change or remove an owner membership; admins manage everyone else.
drop policy members_insert on public.project_members;
create policy members_insert on public.project_members for insert to authenticated
  with check (
    (wfb.has_role(project_id, array['owner', 'admin'])
      and (role <> 'owner' or wfb.has_role(project_id, array['owner'])))
    or (user_id = auth.uid() and role = 'owner' and wfb.can_bootstrap_owner(project_id))
  );

drop policy members_update on public.project_members;
create policy members_update on public.project_members for update to authenticated
  using (wfb.has_role(project_id, array['owner']) or (wfb.has_role(project_id, array['admin']) and role <> 'owner'))
  with check (wfb.has_role(project_id, array['owner']) or (wfb.has_role(project_id, array['admin']) and role <> 'owner'));

drop policy members_delete on public.project_members;
create policy members_delete on public.project_members for delete to authenticated
  using (wfb.has_role(project_id, array['owner']) or (wfb.has_role(project_id, array['admin']) and role <> 'owner'));

-- A key's hash, project, environment and scope never change after insert: widening a
-- scoped key or moving it to another project must be impossible, not just unimplemented.
revoke update on public.api_keys from authenticated;
grant update (name, expires_at, rate_limit_per_minute, revoked_at, replaced_by, updated_at)
  on public.api_keys to authenticated;

-- Revocation is final, and a rolled key's successor and grace expiry are fixed.
create function wfb.guard_api_key_update() returns trigger
language plpgsql as $$
begin
  if old.revoked_at is not null and new.revoked_at is distinct from old.revoked_at then
    raise exception 'a revoked api key stays revoked' using errcode = 'check_violation';
  end if;
  if old.replaced_by is not null
     and (new.replaced_by is distinct from old.replaced_by or new.expires_at is distinct from old.expires_at) then
    raise exception 'a rolled api key keeps its successor and grace expiry' using errcode = 'check_violation';
  end if;
  return new;
end
$$;
create trigger api_keys_guard before update on public.api_keys
  for each row execute function wfb.guard_api_key_update();

-- A project's slug, namespace and creator are fixed once created; only its name changes.
revoke update on public.projects from authenticated;
grant update (name, updated_at) on public.projects to authenticated;

-- Supabase grants `anon` table privileges by default; no policy admits it, but it gets
-- nothing here at all.
do $$
declare
  table_name text;
begin
  for table_name in select tablename from pg_tables where schemaname = 'public' loop
    execute format('revoke all on public.%I from anon', table_name);
  end loop;
end
$$;
