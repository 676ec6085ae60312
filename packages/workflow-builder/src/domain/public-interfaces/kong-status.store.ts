import type { KongSyncStatus } from '@wfb/core/db/schema.kong.js';
import { sql } from 'kysely';
import type { Queryable } from '../../db/tx.js';

/**
 * The Kong controller's database access: what Kong should serve (public interfaces, read as
 * the service role, all tenants) and the per-interface sync status it writes back. Users
 * read statuses through RLS (`statusesFor` in their transaction); only the service role
 * writes them (see migration 20261201000600).
 */
export interface KongSyncRow {
  id: string;
  projectId: string;
  routeHash: string;
  method: string;
  path: string;
  rateLimitPerMinute: number | null;
  enabled: boolean;
  /** The status row's revision when read (0 when it has none yet). */
  revision: number;
  status: KongSyncStatus;
  kongRouteId: string | null;
  kongPluginIds: string[];
  lastError: string | null;
}

/**
 * Every public interface the gateway's route table serves (the same joins as
 * `listRouteRows`), with only the columns Kong's entities derive from, plus its status.
 */
export async function listKongSyncRows(db: Queryable): Promise<KongSyncRow[]> {
  const rows = await db
    .selectFrom('public_interfaces as pi')
    .innerJoin('service_interfaces as si', 'si.id', 'pi.service_interface_id')
    .innerJoin('workflows as w', 'w.id', 'si.workflow_id')
    .leftJoin('public_interface_kong_status as s', 's.public_interface_id', 'pi.id')
    .select([
      'pi.id',
      'pi.project_id',
      'pi.route_hash',
      'pi.method',
      'pi.path',
      'pi.rate_limit_per_minute',
      'pi.enabled',
      's.revision',
      's.status',
      's.kong_route_id',
      's.kong_plugin_ids',
      's.last_error',
    ])
    .orderBy('pi.id')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    projectId: row.project_id,
    routeHash: row.route_hash,
    method: row.method,
    path: row.path,
    rateLimitPerMinute: row.rate_limit_per_minute,
    enabled: row.enabled,
    revision: Number(row.revision ?? 0),
    status: row.status ?? 'pending',
    kongRouteId: row.kong_route_id,
    kongPluginIds: row.kong_plugin_ids ?? [],
    lastError: row.last_error,
  }));
}

export interface KongStatusWrite {
  publicInterfaceId: string;
  projectId: string;
  /** The revision the pass read; the write lands only if it is still current. */
  revision: number;
  status: KongSyncStatus;
  kongRouteId: string | null;
  kongPluginIds: string[];
  lastError: string | null;
}

/**
 * Writes many statuses in one statement (a pass may settle thousands). A row whose revision
 * moved on since the pass read it is left alone: it stays `pending` for the next pass. A
 * row missing (an interface older than the status table's trigger) is created.
 * Returns how many rows changed.
 */
export async function writeKongStatuses(db: Queryable, writes: readonly KongStatusWrite[]): Promise<number> {
  if (writes.length === 0) return 0;
  const payload = JSON.stringify(
    writes.map((write) => ({
      id: write.publicInterfaceId,
      project_id: write.projectId,
      revision: write.revision,
      status: write.status,
      route_id: write.kongRouteId,
      plugin_ids: write.kongPluginIds,
      last_error: write.lastError === null ? null : write.lastError.slice(0, 2000),
    })),
  );
  const result = await sql`
    with input as (
      select * from jsonb_to_recordset(${payload}::jsonb)
        as x(id uuid, project_id uuid, revision bigint, status text, route_id uuid, plugin_ids uuid[], last_error text)
    ),
    updated as (
      update public.public_interface_kong_status s
      set status = i.status,
          kong_route_id = i.route_id,
          kong_plugin_ids = i.plugin_ids,
          last_error = i.last_error,
          last_synced_at = case when i.status = 'synced' then now() else s.last_synced_at end,
          updated_at = now()
      from input i
      where s.public_interface_id = i.id and s.revision = i.revision
      returning s.public_interface_id
    ),
    inserted as (
      insert into public.public_interface_kong_status
        (public_interface_id, project_id, status, kong_route_id, kong_plugin_ids, last_error, last_synced_at)
      select i.id, i.project_id, i.status, i.route_id, i.plugin_ids, i.last_error,
        case when i.status = 'synced' then now() end
      from input i
      where i.revision = 0 and exists (select 1 from public.public_interfaces pi where pi.id = i.id)
      on conflict (public_interface_id) do nothing
      returning public_interface_id
    )
    select (select count(*) from updated) + (select count(*) from inserted) as changed
  `.execute(db);
  const row = result.rows[0];
  return typeof row === 'object' && row !== null && 'changed' in row ? Number(row.changed) : 0;
}

export interface KongStatusView {
  status: KongSyncStatus;
  kongRouteId: string | null;
  kongPluginIds: string[];
  lastError: string | null;
  lastSyncedAt: Date | null;
}

/** Statuses of the given interfaces, read as the caller (RLS: members of their projects only). */
export async function kongStatusesFor(db: Queryable, ids: readonly string[]): Promise<Map<string, KongStatusView>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('public_interface_kong_status')
    .select(['public_interface_id', 'status', 'kong_route_id', 'kong_plugin_ids', 'last_error', 'last_synced_at'])
    .where('public_interface_id', 'in', ids)
    .execute();
  return new Map(
    rows.map((row) => [
      row.public_interface_id,
      {
        status: row.status,
        kongRouteId: row.kong_route_id,
        kongPluginIds: row.kong_plugin_ids,
        lastError: row.last_error,
        lastSyncedAt: row.last_synced_at,
      },
    ]),
  );
}

/** How many interfaces are in each state, across all projects (operators only). */
export async function countKongStatuses(db: Queryable): Promise<Record<KongSyncStatus, number>> {
  const rows = await db
    .selectFrom('public_interface_kong_status')
    .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
    .groupBy('status')
    .execute();
  const counts: Record<KongSyncStatus, number> = { synced: 0, pending: 0, error: 0 };
  for (const row of rows) counts[row.status] = Number(row.count);
  return counts;
}
