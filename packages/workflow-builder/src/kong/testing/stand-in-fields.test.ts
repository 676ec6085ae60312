import { describe, expect, it } from 'vitest';
import { isJsonObject, type JsonObject, type JsonValue } from '../kong-types.js';
import { translate } from '../translate.js';
import { fixtureOptions, fixtureRows } from './fixtures.js';
import { type Collection, StandInStore } from './stand-in-store.js';

/**
 * Every field translate() sends is one the stand-in validates: an invalid value of any of
 * them (top level, plugin config, redis settings) is a 400, code 2, whose `fields` name it.
 */
const { state } = translate(fixtureRows.slice(0, 1), {
  ...fixtureOptions,
  rateLimit: { policy: 'redis', redis: { host: 'redis.internal' } },
});

/** Values that are wrong for a field currently null: right type where Kong has a rule to break. */
const wrongWhenNull: Record<string, JsonValue> = {
  path: 'no-leading-slash',
  'config.path': 'no-leading-slash',
  'config.header_name': 'bad header',
  'config.redis.server_name': 'bad host!',
};

function wrongValue(path: string, value: JsonValue): JsonValue {
  if (value === null) return wrongWhenNull[path] ?? (path.startsWith('config.') ? -1 : 'x');
  if (typeof value === 'string') return 12345;
  return 'x';
}

function setAt(entity: JsonObject, path: string[], value: JsonValue): JsonObject {
  const [head, ...rest] = path;
  if (head === undefined) return entity;
  const current = entity[head];
  return { ...entity, [head]: rest.length === 0 ? value : setAt(isJsonObject(current) ? current : {}, rest, value) };
}

function errorAt(fields: JsonValue | undefined, path: string[]): JsonValue | undefined {
  let node = fields;
  for (const part of path) node = isJsonObject(node) ? node[part] : undefined;
  return node;
}

function fieldPaths(entity: JsonObject, prefix: string[] = []): string[][] {
  return Object.entries(entity).flatMap(([key, value]) => {
    if (key === 'id' && prefix.length === 0) return [];
    const path = [...prefix, key];
    const nested = (key === 'config' && prefix.length === 0) || (key === 'redis' && prefix[0] === 'config');
    return nested && isJsonObject(value) ? [path, ...fieldPaths(value, path)] : [path];
  });
}

const cases: [string, Collection, JsonObject, string[]][] = [
  ...state.services.flatMap((entity) =>
    fieldPaths(entity).map((path): [string, Collection, JsonObject, string[]] => [
      `service ${path.join('.')}`,
      'services',
      entity,
      path,
    ]),
  ),
  ...state.routes
    .slice(-1)
    .flatMap((entity) =>
      fieldPaths(entity).map((path): [string, Collection, JsonObject, string[]] => [
        `route ${path.join('.')}`,
        'routes',
        entity,
        path,
      ]),
    ),
  ...state.plugins.flatMap((entity) =>
    fieldPaths(entity).map((path): [string, Collection, JsonObject, string[]] => [
      `${entity.name} ${path.join('.')}`,
      'plugins',
      entity,
      path,
    ]),
  ),
];

describe('stand-in validates every field translate() sends', () => {
  it('accepts the translated entities as they are', () => {
    const store = new StandInStore();
    for (const [collection, entities] of [
      ['services', state.services],
      ['routes', state.routes],
      ['plugins', state.plugins],
    ] as const) {
      for (const entity of entities) {
        const { id, ...body } = entity;
        const written = store.write(collection, body, id, false);
        expect(written.ok ? 'ok' : written.error.body).toBe('ok');
      }
    }
  });

  it.each(cases)('%s', (_label, collection, entity, path) => {
    const store = new StandInStore();
    const { id, ...body } = setAt(entity, path, wrongValue(path.join('.'), errorAt(entity, path) ?? null));
    const written = store.write(collection, body, String(id), false);
    if (written.ok) throw new Error(`accepted an invalid ${path.join('.')}`);
    expect(written.error.status).toBe(400);
    expect(written.error.body.code).toBe(2);
    const fields = written.error.body.fields;
    expect(errorAt(fields, path)).toEqual(expect.any(String));
  });
});
