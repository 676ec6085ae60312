import { describe, expect, it } from 'vitest';
import { createSchemaCompiler, validationProblems } from './json-schema.js';

function deeplyNested(levels: number): Record<string, unknown> {
  let schema: Record<string, unknown> = { type: 'string' };
  for (let level = 0; level < levels; level += 1) schema = { type: 'array', items: schema };
  return schema;
}

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
    ['an invalid $anchor (a meta-schema pattern)', { $anchor: '1bad' }, 'not a valid JSON Schema'],
    ['a schema nested too deeply', deeplyNested(200), 'levels deep'],
    ['nesting that would overflow the stack', deeplyNested(100_000), 'levels deep'],
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

describe('JSON Schema patterns run on RE2', () => {
  const schemas = createSchemaCompiler();

  it('matches a catastrophic-backtracking pattern in linear time, with ECMA-262 semantics', () => {
    // With native RegExp this test would not finish: 2^40 ways to split the a's.
    const validate = schemas.compile({ type: 'string', pattern: '^(a+)+$' });
    expect(validate(`${'a'.repeat(40)}!`)).toBe(false);
    expect(validate('a'.repeat(40))).toBe(true);
    const unanchored = schemas.compile({ type: 'string', pattern: '\\d{3}' });
    expect(unanchored('call 555 now')).toBe(true);
    expect(unanchored('no digits')).toBe(false);
    const escaped = schemas.compile({ type: 'string', pattern: '^caf\\u00e9$' });
    expect(escaped('café')).toBe(true);
    const keys = schemas.compile({ type: 'object', patternProperties: { '^x-': { type: 'integer' } } });
    expect(keys({ 'x-a': 1 })).toBe(true);
    expect(keys({ 'x-a': 'one' })).toBe(false);
  });

  it.each([
    ['a backreference', { properties: { name: { type: 'string', pattern: '^(a)\\1$' } } }, '/properties/name/pattern'],
    ['a lookahead', { items: { pattern: '^(?=a)' } }, '/items/pattern'],
    ['a lookbehind key', { patternProperties: { '(?<!x)y': true } }, '/patternProperties/(?<!x)y'],
    ['an escaped path', { $defs: { 'a/b': { pattern: '(?!z)' } } }, '/$defs/a~1b/pattern'],
  ])('refuses %s on save, naming where it is', (_label, schema, path) => {
    const check = schemas.check(schema);
    expect(check).toMatchObject({ ok: false, path });
    if (!check.ok) expect(check.reason).toContain(`regular expression at ${path}`);
  });

  it('does not mistake data for patterns', () => {
    expect(schemas.check({ const: { pattern: '(a)\\1' }, examples: [{ pattern: '(?=x)' }] })).toEqual({ ok: true });
    expect(schemas.check({ properties: { pattern: { type: 'string' } } })).toEqual({ ok: true });
  });
});

describe('Ajv memory stays bounded', () => {
  it('forgets compiled schemas on LRU eviction and after every check', () => {
    const schemas = createSchemaCompiler({ cacheSize: 20 });
    const baseline = schemas.ajvCompiledSchemas();
    for (let index = 0; index < 500; index += 1) {
      const schema = {
        $defs: { id: { type: 'string', minLength: index } },
        type: 'object',
        properties: { id: { $ref: '#/$defs/id' } },
      };
      expect(schemas.check(schema)).toEqual({ ok: true });
      schemas.compile(schema, index % 2 === 0);
    }
    expect(schemas.cachedValidators()).toBe(20);
    expect(schemas.ajvCompiledSchemas() - baseline).toBeLessThanOrEqual(20);
  });

  it('keeps working when a user schema claims the meta-schema $id', () => {
    const schemas = createSchemaCompiler({ cacheSize: 1 });
    const impostor = { $id: 'https://json-schema.org/draft/2020-12/schema', type: 'string' };
    expect(schemas.check(impostor)).toEqual({ ok: true });
    schemas.compile(impostor);
    schemas.compile({ type: 'integer' });
    expect(schemas.check({ type: 'strnig' }).ok).toBe(false);
    expect(schemas.check({ type: 'object' })).toEqual({ ok: true });
  });
});
