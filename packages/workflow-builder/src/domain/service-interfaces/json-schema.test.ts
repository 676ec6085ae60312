import { describe, expect, it } from 'vitest';
import { createSchemaCompiler, validationProblems } from './json-schema.js';

describe('JSON Schema checks and validators', () => {
  const schemas = createSchemaCompiler();

  it('accepts 2020-12 schemas, booleans and formats', () => {
    expect(schemas.check({ type: 'object', properties: { at: { type: 'string', format: 'date-time' } } })).toEqual({
      ok: true,
    });
    expect(schemas.check(true)).toEqual({ ok: true });
    expect(schemas.check({ $schema: 'https://json-schema.org/draft/2020-12/schema', prefixItems: [{}] })).toEqual({
      ok: true,
    });
  });

  it.each([
    ['an array', [], 'must be an object or a boolean'],
    ['a string', 'string', 'must be an object or a boolean'],
    ['an unknown type', { type: 'strnig' }, 'not a valid JSON Schema'],
    ['a negative minLength', { minLength: -1 }, 'not a valid JSON Schema'],
    ['an unresolvable $ref', { $ref: 'https://example.com/elsewhere.json' }, 'does not compile'],
    ['another dialect', { $schema: 'http://json-schema.org/draft-07/schema#' }, 'only JSON Schema 2020-12'],
    ['a huge schema', { type: 'object', description: 'x'.repeat(70_000) }, 'at most'],
  ])('refuses %s with the reason', (_label, schema, reason) => {
    const check = schemas.check(schema);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toContain(reason);
  });

  it('compiles once per schema text, keeps same-$id schemas apart and lists every failing path', () => {
    const first = schemas.compile({
      $id: 'https://example.com/x.json',
      type: 'object',
      required: ['a'],
      properties: { a: { type: 'string' } },
    });
    const same = schemas.compile({
      $id: 'https://example.com/x.json',
      type: 'object',
      required: ['a'],
      properties: { a: { type: 'string' } },
    });
    const other = schemas.compile({ $id: 'https://example.com/x.json', type: 'integer' });
    expect(same).toBe(first);
    expect(other(3)).toBe(true);
    expect(first({ b: 1 })).toBe(false);
    expect(validationProblems(first.errors)).toEqual([{ path: '/a', message: "must have required property 'a'" }]);
    const coercing = schemas.compile({ type: 'object', properties: { n: { type: 'integer' } } }, true);
    const query = { n: '42' };
    expect(coercing(query)).toBe(true);
    expect(query).toEqual({ n: 42 });
  });
});
