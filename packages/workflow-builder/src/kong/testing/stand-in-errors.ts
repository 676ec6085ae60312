import { isJsonObject, type JsonObject, type JsonValue } from '../kong-types.js';

/**
 * Kong's error bodies, as kong/db/errors.lua builds them. An error tree mirrors the entity:
 * a field's message, an array (null where an element is fine) for array fields, an object for
 * records, and `@entity` for entity-level checks.
 */
export type ErrorTree = JsonObject;

export interface KongErrorReply {
  status: number;
  body: JsonObject;
}

export const errorNames: Record<number, string> = {
  2: 'schema violation',
  4: 'foreign key violation',
  5: 'unique constraint violation',
  7: 'invalid offset',
  9: 'invalid size',
  11: 'invalid options',
  12: 'operation unsupported',
  14: 'invalid declarative configuration',
};

export function hasErrors(tree: ErrorTree): boolean {
  return Object.keys(tree).length > 0;
}

export function addEntityError(tree: ErrorTree, message: string): void {
  const list = Array.isArray(tree['@entity']) ? tree['@entity'] : [];
  list.push(message);
  tree['@entity'] = list;
}

/** Puts `message` at a dotted path (`config.redis.host`), creating records on the way. */
export function addFieldError(tree: ErrorTree, path: string, message: string): void {
  const parts = path.split('.');
  let node = tree;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (isJsonObject(next)) node = next;
    else {
      const created: ErrorTree = {};
      node[part] = created;
      node = created;
    }
  }
  const last = parts[parts.length - 1] ?? path;
  if (node[last] === undefined) node[last] = message;
}

/** An array field's errors: Lua's sparse table, which cjson writes as an array with nulls. */
export function arrayErrors(messages: Map<number, string>): JsonValue[] {
  const size = Math.max(0, ...messages.keys()) + 1;
  return Array.from({ length: size }, (_, index) => messages.get(index) ?? null);
}

/** penlight's pretty.write, which Kong uses for nested error tables inside a message. */
function luaPretty(value: JsonValue, indent = ''): string {
  if (Array.isArray(value) || isJsonObject(value)) {
    const inner = `${indent}  `;
    const entries = Array.isArray(value)
      ? value.map((item) => `${inner}${luaPretty(item, inner)}`)
      : Object.keys(value)
          .sort()
          .map((key) => `${inner}${key} = ${luaPretty(value[key] ?? null, inner)}`);
    return `{\n${entries.join(',\n')}\n${indent}}`;
  }
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function subKeys(value: JsonValue[] | JsonObject): [string, JsonValue][] {
  if (Array.isArray(value)) {
    return value.flatMap((item, index): [string, JsonValue][] => (item === null ? [] : [[String(index + 1), item]]));
  }
  return Object.keys(value)
    .sort()
    .map((key): [string, JsonValue] => [key, value[key] ?? null]);
}

export function schemaViolationMessage(tree: ErrorTree): string {
  const lines: string[] = [];
  const entity = tree['@entity'];
  if (Array.isArray(entity)) lines.push(...entity.map(String));
  for (const field of Object.keys(tree).sort()) {
    if (field === '@entity') continue;
    const value = tree[field] ?? null;
    if (Array.isArray(value) || isJsonObject(value)) {
      for (const [key, item] of subKeys(value)) {
        const text = Array.isArray(item) || isJsonObject(item) ? luaPretty(item) : String(item);
        lines.push(`${field}.${key}: ${text}`);
      }
    } else {
      lines.push(`${field}: ${String(value)}`);
    }
  }
  return lines.length === 1
    ? `schema violation (${lines[0]})`
    : `${lines.length} schema violations (${lines.join('; ')})`;
}

export function schemaViolation(tree: ErrorTree): KongErrorReply {
  return {
    status: 400,
    body: { code: 2, name: errorNames[2] ?? '', message: schemaViolationMessage(tree), fields: tree },
  };
}

export function kongError(status: number, code: number, message: string, fields?: JsonObject): KongErrorReply {
  const body: JsonObject = { code, name: errorNames[code] ?? '', message };
  if (fields) body[code === 11 ? 'options' : 'fields'] = fields;
  return { status, body };
}

export const notFound: KongErrorReply = { status: 404, body: { message: 'Not found' } };
export const methodNotAllowed: KongErrorReply = { status: 405, body: { message: 'Method not allowed' } };
export const cannotParseJson: KongErrorReply = { status: 400, body: { message: 'Cannot parse JSON body' } };
export const unexpected: KongErrorReply = { status: 500, body: { message: 'An unexpected error occurred' } };

/** Lua's `%s` of a table in unique/foreign key messages, e.g. `{name="x"}`. */
export function luaKey(key: JsonObject): string {
  const parts = Object.keys(key)
    .sort()
    .map((name) => {
      const value = key[name] ?? null;
      if (isJsonObject(value)) return `${name}=${luaKey(value)}`;
      return `${name}=${value === null ? 'null' : JSON.stringify(value)}`;
    });
  return `{${parts.join(',')}}`;
}

export function uniqueViolation(key: JsonObject): KongErrorReply {
  return kongError(409, 5, `UNIQUE violation detected on '${luaKey(key)}'`, key);
}

/** A conditional entity check's failure, reported the way Kong does: on the field and on the entity. */
export function requireWhen(errors: ErrorTree, config: JsonObject, condition: string, field: string): void {
  const path = field.split('.');
  let node: JsonValue | undefined = config;
  for (const part of path) node = isJsonObject(node) ? node[part] : undefined;
  if (node !== undefined && node !== null) return;
  addFieldError(errors, `config.${field}`, 'required field missing');
  addEntityError(errors, `failed conditional validation given value of field 'config.${condition}'`);
}
