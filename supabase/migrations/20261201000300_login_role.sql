-- The role model of Supabase, on every Postgres: the app logs in as `authenticator`, a
-- role that can do nothing itself and may only switch to `anon`, `authenticated` or
-- `service_role`. A user's transaction runs as `authenticated` (RLS, column grants and the
-- guard triggers apply); system work (key verification, route reloads, token refresh,
-- usage audit, key rotation) runs as `service_role`. RESET ROLE inside a user transaction
-- falls back to `authenticator`, which has no table privileges. Migrations run as the
-- owner through a separate connection (DATABASE_ADMIN_URL).
--
-- On Supabase `authenticator` exists, with a password, and `service_role` bypasses RLS;
-- everything here is then a no-op. Elsewhere the login role gets its password from the
-- operator (docker-compose's Postgres init does it), never from a migration.

do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'authenticator') then
    begin
      create role authenticator login noinherit;
    exception when duplicate_object or unique_violation then
      null;
    end;
  end if;
end
$$;

do $$
begin
  grant anon, authenticated, service_role to authenticator;
exception when others then
  raise notice 'could not grant the switched roles to authenticator: %', sqlerrm;
end
$$;

-- The service role reaches every row, as on Supabase. BYPASSRLS needs a superuser; where
-- the migration user is none, policies for the service role stand in for it (tables
-- added later then need their own).
do $$
declare
  table_name text;
begin
  if not (select rolbypassrls from pg_roles where rolname = 'service_role') then
    begin
      alter role service_role bypassrls;
    exception when insufficient_privilege then
      for table_name in
        select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind = 'r' and c.relrowsecurity
      loop
        execute format('create policy %I on public.%I for all to service_role using (true) with check (true)',
          table_name || '_service_role', table_name);
      end loop;
    end;
  end if;
end
$$;

grant usage on schema public, auth, wfb to service_role;
grant select, insert, update, delete on all tables in schema public to service_role;
alter default privileges in schema public grant select, insert, update, delete on tables to service_role;
