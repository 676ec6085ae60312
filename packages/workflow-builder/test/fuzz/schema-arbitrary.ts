import fc from 'fast-check';
import { anyString, nastyJson, nastyNumbers } from './fuzz-values.js';

/**
 * Inputs shaped like a procedure's own input schema (its zod schema as JSON Schema), with
 * any field swapped for a nasty value now and then: mostly-valid calls reach the services
 * and the database, where type checks alone would stop random JSON at the door. Ids are
 * `Ref` placeholders, resolved when the call is made against whatever rows exist then.
 */
export class Ref {
  constructor(
    readonly field: string,
    readonly pick: number,
  ) {}

  toString(): string {
    return `Ref(${this.field}#${this.pick})`;
  }
}

type JsonSchema = { [keyword: string]: unknown };

const isSchema = (value: unknown): value is JsonSchema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** JSON Schemas a caller might store (serviceInterfaces inputSchema / outputSchema). */
const sampleSchemas: unknown[] = [
  true,
  { type: 'object', properties: { sku: { type: 'string', pattern: '^[a-z]+$' } }, required: ['sku'] },
  { type: 'array', items: { $ref: '#/$defs/missing' } },
  { type: 'string', pattern: '(a+)+$' },
  { $schema: 'http://json-schema.org/draft-04/schema#' },
  { type: 'object', properties: { n: { type: 'numbr' } } },
];

const plausibleStrings = fc.constantFrom('orders', 'order-1', '/', '/orders/{orderId}', 'http://127.0.0.1:9', 'x');

/** Rarely nasty per field, so that a good share of calls has every field valid and goes deep. */
function withNasty<T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof({ arbitrary: valid, weight: 12 }, { arbitrary: nastyJson, weight: 1 });
}

function stringFor(schema: JsonSchema, field: string): fc.Arbitrary<unknown> {
  if (schema.format === 'uuid')
    return fc.oneof(
      fc.nat().map((pick) => new Ref(field, pick)),
      fc.uuid(),
    );
  if (schema.format === 'date-time') return fc.date({ noInvalidDate: true }).map((date) => date.toISOString());
  if (typeof schema.pattern === 'string') {
    try {
      return fc.stringMatching(new RegExp(schema.pattern));
    } catch {
      return anyString;
    }
  }
  const maxLength = typeof schema.maxLength === 'number' ? Math.min(schema.maxLength, 40) : 40;
  return fc.oneof(
    { arbitrary: plausibleStrings, weight: 3 },
    { arbitrary: fc.string({ minLength: 1, maxLength }), weight: 3 },
    { arbitrary: anyString, weight: 1 },
  );
}

function numberFor(schema: JsonSchema): fc.Arbitrary<unknown> {
  const min = typeof schema.minimum === 'number' ? schema.minimum : -1_000_000;
  const max = typeof schema.maximum === 'number' ? schema.maximum : 1_000_000;
  const inRange = schema.type === 'integer' ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true });
  return fc.oneof(inRange, fc.constantFrom(min, max, ...nastyNumbers));
}

function objectFor(schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  const properties = isSchema(schema.properties) ? schema.properties : {};
  const entries = Object.entries(properties).filter((entry): entry is [string, JsonSchema] => isSchema(entry[1]));
  if (entries.length === 0 && isSchema(schema.additionalProperties)) {
    return fc.dictionary(
      fc.oneof(fc.constantFrom('X-Tenant', 'Accept', 'Host'), anyString),
      valueFor(schema.additionalProperties, '', depth + 1),
      { maxKeys: 3 },
    );
  }
  const required = Array.isArray(schema.required) ? schema.required.filter((key) => typeof key === 'string') : [];
  const record = fc.record(Object.fromEntries(entries.map(([key, child]) => [key, valueFor(child, key, depth + 1)])), {
    requiredKeys: required,
  });
  // Now and then a field the schema does not know (strict objects must refuse it).
  return fc.oneof(
    { arbitrary: record, weight: 6 },
    {
      arbitrary: fc.tuple(record, anyString, nastyJson).map(([value, key, extra]) => ({ ...value, [key]: extra })),
      weight: 1,
    },
  );
}

/** A value for `schema`, the property `field` names (used to pick ids). */
export function valueFor(schema: unknown, field: string, depth = 0): fc.Arbitrary<unknown> {
  if (!isSchema(schema) || depth > 8) return nastyJson;
  const alternatives = [schema.anyOf, schema.oneOf].find(Array.isArray);
  if (alternatives) return fc.oneof(...alternatives.map((branch) => valueFor(branch, field, depth + 1)));
  if ('const' in schema) return withNasty(fc.constant(schema.const));
  if (Array.isArray(schema.enum)) return withNasty(fc.constantFrom(...schema.enum));
  switch (schema.type) {
    case 'string':
      return withNasty(stringFor(schema, field));
    case 'integer':
    case 'number':
      return withNasty(numberFor(schema));
    case 'boolean':
      return withNasty(fc.boolean());
    case 'null':
      return withNasty(fc.constant(null));
    case 'array':
      return withNasty(fc.array(valueFor(schema.items, field, depth + 1), { maxLength: 3 }));
    case 'object':
      return withNasty(objectFor(schema, depth));
    default:
      // No type: a free JSON value (a JSON Schema, a date the schema coerces).
      return fc.oneof(fc.constantFrom(...sampleSchemas), fc.date().map(String), nastyJson);
  }
}

/**
 * Replaces every Ref in `value` with `resolve(ref)`. Refs sit where the schema puts ids, a
 * few levels down at most (valueFor stops at depth 8): deeper nasty values are kept as is,
 * which also spares them a recursive copy.
 */
export function resolveRefs(value: unknown, resolve: (ref: Ref) => string, depth = 0): unknown {
  if (value instanceof Ref) return resolve(value);
  if (depth > 10) return value;
  if (Array.isArray(value)) return value.map((item) => resolveRefs(item, resolve, depth + 1));
  const prototype = typeof value === 'object' && value !== null ? Object.getPrototypeOf(value) : undefined;
  // fast-check makes some records without a prototype; both are plain JSON objects.
  if (typeof value === 'object' && value !== null && (prototype === Object.prototype || prototype === null)) {
    // defineProperty, not assignment: a "__proto__" key must stay an own property.
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const resolved = resolveRefs(item, resolve, depth + 1);
      Object.defineProperty(copy, key, { value: resolved, enumerable: true, writable: true, configurable: true });
    }
    return copy;
  }
  return value;
}
