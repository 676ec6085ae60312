import { createHash, randomUUID } from 'node:crypto';
import { isJsonObject, type JsonObject, type JsonValue, type KongKind } from '../kong-types.js';
import { canonicalJson } from '../normalize.js';
import { validateEntity } from './stand-in-entities.js';
import { addEntityError, addFieldError, type ErrorTree, type KongErrorReply } from './stand-in-errors.js';
import { isUuidText } from './stand-in-schema.js';
import type { Collection, StandInStore } from './stand-in-store.js';

/**
 * DB-less `POST /config`: validates the whole declarative config (nested or flat), and either
 * replaces everything or changes nothing. Errors follow kong/db/errors.lua: 400, code 14, the
 * error tree in `fields`; with `flatten_errors=1` every invalid entity is hoisted into
 * `flattened_errors` (`entity_type` singular, name/id/tags when well-formed, `entity` without
 * its nested children, errors as `{type: "field", field: "a.b.1", message}` or `{type: "entity"}`).
 */
const formatVersions = ['1.1', '2.1', '3.0'];
const otherSections = new Set(['consumers', 'upstreams', 'certificates', 'ca_certificates', 'snis', 'vaults']);
const singular: Record<Collection, KongKind> = { services: 'service', routes: 'route', plugins: 'plugin' };

interface Item {
  collection: Collection;
  input: JsonObject;
  /** The input's id, or one made up for it (Kong generates ids for entities declared without). */
  id: string;
  /** The key of the entity it is nested in, when `input` does not carry it. */
  parent?: JsonObject;
  /** Where its errors go in the unflattened tree, e.g. ['services', 0, 'routes', 2]. */
  path: (string | number)[];
  entity?: JsonObject;
  errors: ErrorTree;
}

export interface LoadResult {
  reply: KongErrorReply;
  hash?: string;
}

function childList(value: JsonValue | undefined): JsonObject[] {
  return Array.isArray(value) ? value.filter(isJsonObject) : [];
}

/**
 * Flattens nested entities into items. A child is validated with its parent's key; its
 * reported `entity` carries that key only when the parent declared a real id, as in Kong.
 */
function collect(config: JsonObject): Item[] {
  const items: Item[] = [];
  type Parent = { field: string; id: string; declared: boolean };
  const add = (collection: Collection, raw: JsonObject, path: (string | number)[], parent?: Parent) => {
    const { routes, plugins, ...own } = raw;
    const input: JsonObject = { ...own };
    if (parent?.declared && input[parent.field] === undefined) input[parent.field] = { id: parent.id };
    const declared = typeof input.id === 'string' && isUuidText(input.id);
    const id = typeof input.id === 'string' ? input.id : randomUUID();
    const item: Item = { collection, input, id, path, errors: {} };
    if (parent && input[parent.field] === undefined) item.parent = { [parent.field]: { id: parent.id } };
    items.push(item);
    const reference: Parent = { field: collection === 'services' ? 'service' : 'route', id, declared };
    if (collection === 'services') {
      for (const [index, route] of childList(routes).entries()) {
        add('routes', route, [...path, 'routes', index], reference);
      }
    }
    if (collection !== 'plugins') {
      for (const [index, plugin] of childList(plugins).entries()) {
        add('plugins', plugin, [...path, 'plugins', index], reference);
      }
    }
  };
  for (const collection of ['services', 'routes', 'plugins'] as const) {
    for (const [index, entity] of childList(config[collection]).entries()) add(collection, entity, [collection, index]);
  }
  return items;
}

/** Flat-format references are strings (a name or an id); nested ones are records. */
function referenceOf(value: JsonValue | undefined): JsonValue | undefined {
  if (typeof value !== 'string') return value;
  return isUuidText(value) ? { id: value } : { name: value };
}

function checkReferences(items: Item[]): void {
  // First valid entity per id and per name, as the linear search it replaces found them.
  const index = new Map<string, Item>();
  for (const item of items) {
    if (!item.entity) continue;
    for (const key of [
      `${item.collection}:id:${String(item.entity.id)}`,
      `${item.collection}:name:${String(item.entity.name)}`,
    ]) {
      if (!index.has(key)) index.set(key, item);
    }
  }
  const seen = new Map<string, Item>();
  for (const item of items) {
    if (!item.entity) continue;
    const entity = item.entity;
    for (const [field, target] of [
      ['service', 'services'],
      ['route', 'routes'],
    ] as const) {
      const reference = entity[field];
      if (!isJsonObject(reference)) continue;
      const found =
        typeof reference.id === 'string'
          ? index.get(`${target}:id:${reference.id}`)
          : index.get(`${target}:name:${String(reference.name)}`);
      if (found?.entity) entity[field] = { id: String(found.entity.id) };
      else {
        const key = String(reference.id ?? reference.name);
        addFieldError(item.errors, field, `invalid reference '${field}: ${key}' (no such entry in '${target}')`);
      }
    }
    const keys = [`${item.collection}:id:${String(entity.id)}`];
    if (typeof entity.name === 'string' && item.collection !== 'plugins')
      keys.push(`${item.collection}:name:${entity.name}`);
    if (item.collection === 'plugins') {
      keys.push(`plugins:scope:${canonicalJson([entity.name ?? null, entity.route ?? null, entity.service ?? null])}`);
    }
    for (const key of keys) {
      if (seen.has(key)) {
        const [, field, value] = key.split(':');
        const what =
          field === 'scope'
            ? `name set to '${String(entity.name)}' already declared for this scope`
            : `${field === 'id' ? 'primary key' : field} set to '${value}' already declared`;
        addEntityError(item.errors, `uniqueness violation: '${item.collection}' entity with ${what}`);
      } else seen.set(key, item);
    }
  }
}

function flattenFields(tree: JsonValue, prefix: string, out: JsonObject[]): void {
  if (Array.isArray(tree)) {
    tree.forEach((value, index) => {
      if (value !== null) flattenFields(value, `${prefix}${prefix ? '.' : ''}${index + 1}`, out);
    });
  } else if (isJsonObject(tree)) {
    for (const key of Object.keys(tree).sort()) {
      const value = tree[key] ?? null;
      if (key === '@entity' && Array.isArray(value)) {
        for (const message of value) out.push({ type: 'entity', message });
      } else flattenFields(value, `${prefix}${prefix ? '.' : ''}${key}`, out);
    }
  } else out.push({ type: 'field', field: prefix, message: tree });
}

function flattened(item: Item): JsonObject {
  const errors: JsonObject[] = [];
  flattenFields(item.errors, '', errors);
  const entry: JsonObject = { entity_type: singular[item.collection], entity: item.input, errors };
  const { name, id, tags } = item.input;
  if (typeof name === 'string' && name !== '') entry.entity_name = name;
  if (typeof id === 'string' && isUuidText(id)) entry.entity_id = id;
  if (Array.isArray(tags) && tags.every((tag) => typeof tag === 'string')) entry.entity_tags = tags;
  return entry;
}

function nestedTree(items: Item[], topLevel: ErrorTree): ErrorTree {
  const tree: ErrorTree = { ...topLevel };
  for (const item of items.filter((candidate) => Object.keys(candidate.errors).length > 0)) {
    let node: JsonObject = tree;
    item.path.forEach((part, index) => {
      const key = String(typeof part === 'number' ? part + 1 : part);
      if (index === item.path.length - 1) node[key] = item.errors;
      else {
        const next = node[key];
        const child: JsonObject = isJsonObject(next) ? next : {};
        node[key] = child;
        node = child;
      }
    });
  }
  return tree;
}

export function loadDeclarativeConfig(store: StandInStore, config: JsonObject, flatten: boolean): LoadResult {
  const topLevel: ErrorTree = {};
  const version = config._format_version;
  if (version === undefined) topLevel._format_version = 'required field missing';
  else if (typeof version !== 'string' || !formatVersions.includes(version)) {
    topLevel._format_version = `expected one of: ${formatVersions.join(', ')}`;
  }
  for (const key of Object.keys(config)) {
    if (!key.startsWith('_') && !['services', 'routes', 'plugins'].includes(key) && !otherSections.has(key)) {
      topLevel[key] = 'unknown field';
    }
  }
  const items = collect(config);
  for (const item of items) {
    const input: JsonObject = { ...item.input, ...item.parent, id: item.id };
    for (const key of ['service', 'route'] as const) {
      const reference = referenceOf(input[key]);
      if (reference !== undefined) input[key] = reference;
    }
    const checked = validateEntity(singular[item.collection], input, { dbless: true, refusals: store.refusals });
    if (checked.errors) Object.assign(item.errors, checked.errors);
    else item.entity = { ...checked.entity, id: item.id };
  }
  checkReferences(items);
  const invalid = items.filter((item) => Object.keys(item.errors).length > 0);
  if (invalid.length > 0 || Object.keys(topLevel).length > 0) {
    const fields = flatten ? topLevel : nestedTree(items, topLevel);
    const body: JsonObject = {
      code: 14,
      name: 'invalid declarative configuration',
      message: `declarative config is invalid: ${canonicalJson(fields)}`,
      fields,
    };
    if (flatten) body.flattened_errors = invalid.map(flattened);
    return { reply: { status: 400, body } };
  }
  store.clear();
  const now = Math.floor(Date.now() / 1000);
  const created: JsonObject = { services: {}, routes: {}, plugins: {} };
  for (const item of items) {
    const entity: JsonObject = { ...(item.entity ?? {}), id: item.id, created_at: now, updated_at: now };
    store.entities[item.collection].set(String(entity.id), entity);
    const section = created[item.collection];
    if (isJsonObject(section)) section[String(entity.id)] = entity;
  }
  const hash = createHash('md5').update(canonicalJson(config)).digest('hex');
  return { reply: { status: 201, body: created }, hash };
}
