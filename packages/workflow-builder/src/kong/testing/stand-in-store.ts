import { randomUUID } from 'node:crypto';
import { isJsonObject, type JsonObject, type JsonValue, type KongKind } from '../kong-types.js';
import { type Refusals, validateEntity } from './stand-in-entities.js';
import { type KongErrorReply, kongError, schemaViolation, uniqueViolation } from './stand-in-errors.js';
import { isUuidText } from './stand-in-schema.js';

/**
 * Kong's entity storage with its DAO rules: create-or-replace by id or name (a replace keeps
 * `created_at`, everything else comes from the request and defaults), unique names, one
 * plugin per (name, route, service, consumer), foreign keys that must exist, `restrict` from
 * routes to their service and `cascade` from routes/services to their plugins.
 */
export type Collection = 'services' | 'routes' | 'plugins';

export const kinds: Record<Collection, KongKind> = { services: 'service', routes: 'route', plugins: 'plugin' };

export type WriteResult = { ok: true; entity: JsonObject; created: boolean } | { ok: false; error: KongErrorReply };

function refId(value: JsonValue | undefined): string | null {
  return isJsonObject(value) && typeof value.id === 'string' ? value.id : null;
}

function pluginKey(plugin: JsonObject): JsonObject {
  const reference = (field: string) => {
    const id = refId(plugin[field]);
    return id === null ? null : { id };
  };
  return {
    name: plugin.name ?? null,
    route: reference('route'),
    service: reference('service'),
    consumer: reference('consumer'),
  };
}

function scopeOf(plugin: JsonObject): (string | null)[] {
  return [
    typeof plugin.name === 'string' ? plugin.name : null,
    refId(plugin.route),
    refId(plugin.service),
    refId(plugin.consumer),
  ];
}

function sameScope(a: (string | null)[], b: (string | null)[]): boolean {
  return a.every((value, index) => value === b[index]);
}

export class StandInStore {
  readonly entities: Record<Collection, Map<string, JsonObject>> = {
    services: new Map(),
    routes: new Map(),
    plugins: new Map(),
  };

  constructor(
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
    readonly refusals: Refusals = new Map(),
  ) {}

  /** A UUID is looked up by id, anything else by the endpoint key (name; instance_name for plugins). */
  find(collection: Collection, key: string): JsonObject | undefined {
    if (isUuidText(key)) return this.entities[collection].get(key.toLowerCase());
    const field = collection === 'plugins' ? 'instance_name' : 'name';
    return [...this.entities[collection].values()].find((entity) => entity[field] === key);
  }

  list(collection: Collection): JsonObject[] {
    return [...this.entities[collection].values()].sort((a, b) => (String(a.id) < String(b.id) ? -1 : 1));
  }

  clear(): void {
    for (const map of Object.values(this.entities)) map.clear();
  }

  /** Validation only: the error Kong would give before it reaches storage. */
  check(collection: Collection, body: JsonObject, dbless: boolean): KongErrorReply | undefined {
    const { errors } = validateEntity(kinds[collection], body, { dbless, refusals: this.refusals });
    return errors ? schemaViolation(errors) : undefined;
  }

  /** POST (key undefined) or PUT (key = id or endpoint key). */
  write(collection: Collection, body: JsonObject, key: string | undefined, dbless: boolean): WriteResult {
    const input: JsonObject = { ...body };
    if (key !== undefined) {
      const byName = !isUuidText(key);
      const existing = this.find(collection, key);
      input.id = existing ? String(existing.id) : byName ? randomUUID() : key.toLowerCase();
      if (byName) input[collection === 'plugins' ? 'instance_name' : 'name'] = key;
    }
    const { entity, errors } = validateEntity(kinds[collection], input, { dbless, refusals: this.refusals });
    if (errors) return { ok: false, error: schemaViolation(errors) };
    const id = typeof entity.id === 'string' ? entity.id.toLowerCase() : randomUUID();
    const previous = this.entities[collection].get(id);
    if (key === undefined && previous) {
      return { ok: false, error: kongError(400, 3, `primary key violation on key '{id="${id}"}'`, { id }) };
    }
    const resolved = this.resolveReferences(collection, entity);
    if (!resolved.ok) return resolved;
    const conflict = this.uniqueConflict(collection, resolved.entity, id);
    if (conflict) return { ok: false, error: conflict };
    const now = this.now();
    const stored: JsonObject = {
      ...resolved.entity,
      id,
      created_at: typeof previous?.created_at === 'number' ? previous.created_at : now,
      updated_at: now,
    };
    this.entities[collection].set(id, stored);
    return { ok: true, entity: stored, created: previous === undefined };
  }

  /** Kong's DELETE: nothing to do is success; a service still used by routes is refused. */
  delete(collection: Collection, key: string): KongErrorReply | undefined {
    const entity = this.find(collection, key);
    if (!entity) return undefined;
    const id = String(entity.id);
    if (collection === 'services' && this.list('routes').some((route) => refId(route.service) === id)) {
      return kongError(400, 4, "an existing 'routes' entity references this 'services' entity", {
        '@referenced_by': 'routes',
      });
    }
    this.entities[collection].delete(id);
    const field = collection === 'services' ? 'service' : collection === 'routes' ? 'route' : undefined;
    if (field) {
      for (const plugin of this.list('plugins')) {
        if (refId(plugin[field]) === id) this.entities.plugins.delete(String(plugin.id));
      }
    }
    return undefined;
  }

  private resolveReferences(collection: Collection, entity: JsonObject): WriteResult {
    const fields: [string, Collection][] =
      collection === 'routes'
        ? [['service', 'services']]
        : collection === 'plugins'
          ? [
              ['route', 'routes'],
              ['service', 'services'],
            ]
          : [];
    const resolved: JsonObject = { ...entity };
    for (const [field, target] of fields) {
      const reference = entity[field];
      if (!isJsonObject(reference)) continue;
      const key =
        typeof reference.id === 'string' ? reference.id : typeof reference.name === 'string' ? reference.name : '';
      const found = this.find(target, key);
      if (!found) {
        const message = `the foreign key '{${typeof reference.id === 'string' ? 'id' : 'name'}="${key}"}' does not reference an existing '${target}' entity.`;
        return { ok: false, error: kongError(400, 4, message, { [field]: reference }) };
      }
      resolved[field] = { id: String(found.id) };
    }
    return { ok: true, entity: resolved, created: false };
  }

  /** One scan, no sorting or serialising per entity: benchmarks write 10,000s of entities. */
  private uniqueConflict(collection: Collection, entity: JsonObject, id: string): KongErrorReply | undefined {
    const field = collection === 'plugins' ? 'instance_name' : 'name';
    const name = entity[field];
    const scope = collection === 'plugins' ? scopeOf(entity) : undefined;
    for (const other of this.entities[collection].values()) {
      if (other.id === id) continue;
      if (typeof name === 'string' && other[field] === name) return uniqueViolation({ [field]: name });
      if (scope && sameScope(scope, scopeOf(other))) return uniqueViolation(pluginKey(entity));
    }
    return undefined;
  }
}
