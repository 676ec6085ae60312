/**
 * Structural limits of user-written JSON Schemas, checked before Ajv sees them: nesting depth
 * (deep input would overflow recursive compilers, and JSON.stringify, before any size check)
 * and every regular expression a validator would run, each with its JSON Pointer so the
 * person who wrote it learns where the problem is.
 */
export const maxSchemaDepth = 64;

/** True when no object or array in `value` is nested deeper than `limit`; stops at the first. */
export function withinDepth(value: unknown, limit = maxSchemaDepth): boolean {
  const stack: Array<{ node: unknown; depth: number }> = [{ node: value, depth: 0 }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { node, depth } = item;
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= limit) return false;
    for (const child of Object.values(node)) stack.push({ node: child, depth: depth + 1 });
  }
  return true;
}

export interface SchemaPattern {
  /** JSON Pointer to the `pattern` value or the `patternProperties` key. */
  path: string;
  pattern: string;
}

/** Keywords whose value is one subschema, a map of subschemas or a list of them (2020-12 and older). */
const singleSchema = [
  'additionalItems',
  'additionalProperties',
  'contains',
  'else',
  'if',
  'items',
  'not',
  'propertyNames',
  'then',
  'unevaluatedItems',
  'unevaluatedProperties',
];
const schemaMaps = ['$defs', 'definitions', 'dependencies', 'dependentSchemas', 'patternProperties', 'properties'];
const schemaLists = ['allOf', 'anyOf', 'items', 'oneOf', 'prefixItems'];

function pointer(path: string, token: string): string {
  return `${path}/${token.replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

/**
 * Every regular expression of a schema the meta-schema already accepted. Only subschema
 * positions are followed, so data such as `const`, `enum`, `default` or `examples` that
 * happens to contain a "pattern" string is never mistaken for one.
 */
export function schemaPatterns(schema: unknown): SchemaPattern[] {
  const found: SchemaPattern[] = [];
  const stack: Array<{ node: unknown; path: string }> = [{ node: schema, path: '' }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { node, path } = item;
    if (typeof node !== 'object' || node === null || Array.isArray(node)) continue;
    const keywords = node as Record<string, unknown>;
    if (typeof keywords.pattern === 'string') found.push({ path: pointer(path, 'pattern'), pattern: keywords.pattern });
    const patternProperties = keywords.patternProperties;
    if (typeof patternProperties === 'object' && patternProperties !== null && !Array.isArray(patternProperties)) {
      for (const key of Object.keys(patternProperties)) {
        found.push({ path: pointer(pointer(path, 'patternProperties'), key), pattern: key });
      }
    }
    for (const keyword of singleSchema) {
      const child = keywords[keyword];
      if (!Array.isArray(child)) stack.push({ node: child, path: pointer(path, keyword) });
    }
    for (const keyword of schemaMaps) {
      const map = keywords[keyword];
      if (typeof map !== 'object' || map === null || Array.isArray(map)) continue;
      for (const [name, child] of Object.entries(map)) {
        stack.push({ node: child, path: pointer(pointer(path, keyword), name) });
      }
    }
    for (const keyword of schemaLists) {
      const list = keywords[keyword];
      if (!Array.isArray(list)) continue;
      list.forEach((child, index) => {
        stack.push({ node: child, path: pointer(pointer(path, keyword), String(index)) });
      });
    }
  }
  return found;
}
