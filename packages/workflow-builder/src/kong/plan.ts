import {
  interfaceIdOf,
  type JsonObject,
  type KongEntity,
  type KongKind,
  type KongPlugin,
  type KongState,
  type LiveKongState,
  managedTag,
  stringArray,
} from './kong-types.js';
import { sameEntity } from './normalize.js';

/**
 * `plan(desired, live)`: the writes that make Kong's live state the desired one, in an order
 * Kong accepts — upserts top-down (service → routes → plugins, so references exist), then
 * deletes bottom-up (plugins → routes → services, since Kong refuses to delete a service that
 * routes still use). Only entities tagged `managed-by-wfb` are ever deleted; nothing changed
 * means no operations. Every operation is idempotent, so a pass cut short is finished by the
 * next one.
 *
 * Identity: services and routes by name (Kong's unique key), plugins by (name, route/service)
 * (Kong allows one per scope). A live entity found that way keeps its id, so an entity created
 * by an older version (or tagged by hand) is adopted instead of colliding on the unique key;
 * an untagged one is never adopted, and the PUT's 409 then says why that interface is not live.
 */
export type PlanOperation =
  | { action: 'upsert'; kind: KongKind; id: string; name: string; body: JsonObject; publicInterfaceId: string | null }
  | { action: 'delete'; kind: KongKind; id: string; name: string; publicInterfaceId: string | null };

function isManaged(entity: KongEntity): boolean {
  return stringArray(entity.tags)?.includes(managedTag) === true;
}

function nameOf(entity: JsonObject): string {
  return typeof entity.name === 'string' ? entity.name : '';
}

function refId(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || !('id' in value)) return null;
  return typeof value.id === 'string' ? value.id : null;
}

function pluginScope(plugin: JsonObject): string {
  return `${String(plugin.name)}|${refId(plugin.route) ?? ''}|${refId(plugin.service) ?? ''}`;
}

function withoutId(entity: JsonObject): JsonObject {
  const { id: _id, ...body } = entity;
  return body;
}

function ownerOf(entity: JsonObject): string | null {
  return interfaceIdOf(stringArray(entity.tags), nameOf(entity));
}

export interface Resolved {
  kind: KongKind;
  entity: JsonObject & { id: string };
}

/** Replaces desired ids by the ids of the live entities they correspond to. */
export function resolve(desired: KongState, live: LiveKongState): Resolved[] {
  const liveByName = (entities: KongEntity[]) =>
    new Map(entities.filter(isManaged).map((entity) => [nameOf(entity), entity.id]));
  const serviceIds = new Map<string, string>();
  const routeIds = new Map<string, string>();
  const liveServices = liveByName(live.services);
  const liveRoutes = liveByName(live.routes);
  const resolved: Resolved[] = [];
  for (const service of desired.services) {
    const id = liveServices.get(service.name) ?? service.id;
    serviceIds.set(service.id, id);
    resolved.push({ kind: 'service', entity: { ...service, id } });
  }
  for (const route of desired.routes) {
    const id = liveRoutes.get(route.name) ?? route.id;
    routeIds.set(route.id, id);
    const service = { id: serviceIds.get(route.service.id) ?? route.service.id };
    resolved.push({ kind: 'route', entity: { ...route, id, service } });
  }
  const livePlugins = new Map(live.plugins.filter(isManaged).map((plugin) => [pluginScope(plugin), plugin.id]));
  for (const plugin of desired.plugins) {
    const scoped: KongPlugin = {
      ...plugin,
      route: plugin.route ? { id: routeIds.get(plugin.route.id) ?? plugin.route.id } : null,
      service: plugin.service ? { id: serviceIds.get(plugin.service.id) ?? plugin.service.id } : null,
    };
    const id = livePlugins.get(pluginScope(scoped)) ?? plugin.id;
    resolved.push({ kind: 'plugin', entity: { ...scoped, id } });
  }
  return resolved;
}

const upsertOrder: KongKind[] = ['service', 'route', 'plugin'];
const deleteOrder: KongKind[] = ['plugin', 'route', 'service'];

export function plan(desired: KongState, live: LiveKongState): PlanOperation[] {
  const liveByKind: Record<KongKind, KongEntity[]> = {
    service: live.services,
    route: live.routes,
    plugin: live.plugins,
  };
  const resolved = resolve(desired, live);
  const operations: PlanOperation[] = [];
  const wanted = new Set<string>();
  for (const kind of upsertOrder) {
    const liveById = new Map(liveByKind[kind].map((entity) => [entity.id, entity]));
    for (const { entity } of resolved.filter((item) => item.kind === kind)) {
      wanted.add(`${kind}:${entity.id}`);
      const current = liveById.get(entity.id);
      if (current && sameEntity(kind, entity, current)) continue;
      operations.push({
        action: 'upsert',
        kind,
        id: entity.id,
        name: nameOf(entity),
        body: withoutId(entity),
        publicInterfaceId: ownerOf(entity),
      });
    }
  }
  for (const kind of deleteOrder) {
    const orphans = liveByKind[kind]
      .filter((entity) => isManaged(entity) && !wanted.has(`${kind}:${entity.id}`))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    for (const entity of orphans) {
      operations.push({
        action: 'delete',
        kind,
        id: entity.id,
        name: nameOf(entity),
        publicInterfaceId: ownerOf(entity),
      });
    }
  }
  return operations;
}
