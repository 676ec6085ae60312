import { isJsonObject, type JsonObject } from '../kong-types.js';
import { type KongErrorReply, kongError, methodNotAllowed, notFound } from './stand-in-errors.js';
import { page } from './stand-in-list.js';
import { isUuidText } from './stand-in-schema.js';
import type { Collection, StandInStore } from './stand-in-store.js';

/**
 * The entity endpoints: `/{collection}`, `/{collection}/{id|name}`, and the nested
 * `/services/{s}/routes`, `/services/{s}/plugins`, `/routes/{r}/plugins`. In DB-less mode a
 * write is validated first (a bad body still gets 400) and then refused with 405, code 12;
 * a DELETE of something that does not exist is still 204.
 */
export interface EntityRequest {
  method: string;
  segments: string[];
  query: URLSearchParams;
  body: JsonObject;
}

const collections = new Set<string>(['services', 'routes', 'plugins']);
/** Parent collection → the child collections nested under it, and the child's reference field. */
const nested: Record<string, { children: Collection[]; field: string }> = {
  services: { children: ['routes', 'plugins'], field: 'service' },
  routes: { children: ['plugins'], field: 'route' },
};

function ok(status: number, body?: JsonObject): KongErrorReply {
  return { status, body: body ?? {} };
}

function unsupported(operation: string, collection: Collection, byField?: string): KongErrorReply {
  const by = byField ? ` by '${byField}'` : '';
  return kongError(405, 12, `cannot ${operation} '${collection}' entities${by} when not using a database`);
}

function deepMerge(base: JsonObject, patch: JsonObject): JsonObject {
  const merged: JsonObject = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const current = merged[key];
    merged[key] = isJsonObject(current) && isJsonObject(value) ? deepMerge(current, value) : value;
  }
  return merged;
}

function listQuery(query: URLSearchParams) {
  return { size: query.get('size'), offset: query.get('offset'), tags: query.get('tags') };
}

export function handleEntities(store: StandInStore, dbless: boolean, request: EntityRequest): KongErrorReply {
  const [first, key, child] = request.segments;
  if (first === undefined || !collections.has(first) || request.segments.length > 3) return notFound;
  const collection = first as Collection;
  const { method, body } = request;

  if (key === undefined) {
    if (method === 'GET') {
      const result = page(`/${collection}`, store.list(collection), listQuery(request.query), false);
      return result.ok ? ok(200, result.body) : result.error;
    }
    if (method !== 'POST') return methodNotAllowed;
    if (dbless) return store.check(collection, body, true) ?? unsupported('create', collection);
    const written = store.write(collection, body, undefined, false);
    return written.ok ? ok(201, written.entity) : written.error;
  }

  if (child !== undefined) {
    const relation = nested[collection];
    const target = relation?.children.find((name) => name === child);
    const parent = store.find(collection, key);
    if (!relation || !target || !parent) return notFound;
    const field = relation.field;
    const parentId = String(parent.id);
    if (method === 'GET') {
      const mine = store.list(target).filter((entity) => isJsonObject(entity[field]) && entity[field].id === parentId);
      const result = page(`/${collection}/${parentId}/${target}`, mine, listQuery(request.query), true);
      return result.ok ? ok(200, result.body) : result.error;
    }
    if (method !== 'POST') return methodNotAllowed;
    const scoped = { ...body, [field]: { id: parentId } };
    if (dbless) return store.check(target, scoped, true) ?? unsupported('create', target);
    const written = store.write(target, scoped, undefined, false);
    return written.ok ? ok(201, written.entity) : written.error;
  }

  const existing = store.find(collection, key);
  switch (method) {
    case 'GET':
      return existing ? ok(200, existing) : notFound;
    case 'PUT': {
      if (dbless) {
        const problem = store.check(collection, body, true);
        return problem ?? unsupported('create or update', collection, isUuidText(key) ? undefined : 'name');
      }
      const written = store.write(collection, body, key, false);
      return written.ok ? ok(200, written.entity) : written.error;
    }
    case 'PATCH': {
      if (!existing) return notFound;
      const merged = deepMerge(existing, body);
      if (dbless) return store.check(collection, merged, true) ?? unsupported('update', collection);
      const written = store.write(collection, merged, String(existing.id), false);
      return written.ok ? ok(200, written.entity) : written.error;
    }
    case 'DELETE': {
      if (!existing) return ok(204);
      if (dbless) return unsupported('remove', collection);
      return store.delete(collection, key) ?? ok(204);
    }
    default:
      return methodNotAllowed;
  }
}
