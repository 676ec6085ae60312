import type { ColumnType, Generated } from 'kysely';

/** Tables of the Kong controller; see supabase/migrations/20261201000600_kong_sync.sql. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export type KongSyncStatus = 'synced' | 'pending' | 'error';

export interface PublicInterfaceKongStatusTable {
  public_interface_id: string;
  project_id: string;
  status: Generated<KongSyncStatus>;
  /** Bumped by a trigger on every route-relevant change of the interface. */
  revision: Generated<number>;
  kong_route_id: string | null;
  kong_plugin_ids: Generated<string[]>;
  last_error: string | null;
  last_synced_at: NullableTimestamp;
  updated_at: Timestamp;
}

export interface KongTables {
  public_interface_kong_status: PublicInterfaceKongStatusTable;
}
