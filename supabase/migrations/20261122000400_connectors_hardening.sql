-- Token refresh lease. A refresh calls the provider's token endpoint, which may take
-- seconds; no transaction or row lock may be held across that call (PGlite has a single
-- connection, and a pool connection pinned per refresh starves Postgres). Instead an
-- instance claims the refresh with a short UPDATE that sets this column, calls the
-- provider with nothing held, and stores the result (version-checked) while clearing it.
-- Other instances see the lease, wait, and re-read. A lease that outlives its holder
-- (crash, or a call slower than the lease) simply expires.
alter table public.connector_credentials add column refresh_lease_until timestamptz;
