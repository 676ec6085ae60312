import type { ErrorObject, ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { LRUCache } from 'lru-cache';
import { re2Problem, re2RegExp } from './re2-reg-exp.js';
import { maxSchemaDepth, schemaPatterns, withinDepth } from './schema-walk.js';

/**
 * JSON Schema 2020-12 for interface inputs and outputs. Schemas are checked on save (valid
 * against the meta-schema *and* compilable, so unresolvable `$ref`s are caught then, not at
 * request time) and compiled once per distinct schema text; the gateway never compiles on a
 * request. `addUsedSchema: false` keeps two interfaces that share an `$id` independent.
 * Patterns run on RE2 (see re2-reg-exp.ts). Ajv remembers every schema object it compiled
 * until told otherwise, so each compiled object is forgotten again when its validator leaves
 * the LRU (or, for `check`, right away): Ajv's memory stays bounded by the cache size.
 */
export const maxSchemaBytes = 64 * 1024;
const supportedDialect = 'https://json-schema.org/draft/2020-12/schema';

/** `path` is a JSON Pointer into the schema when the problem has one place. */
export type SchemaCheck = { ok: true } | { ok: false; reason: string; path?: string };

export interface ValidationProblem {
  /** JSON Pointer into the validated value; "" is the value itself. */
  path: string;
  message: string;
}

export type InputValidator = ValidateFunction;

const addFormats = addFormatsModule.default;

function createAjv(coerceTypes: boolean): Ajv2020 {
  const ajv = new Ajv2020({
    strict: false,
    allErrors: true,
    addUsedSchema: false,
    coerceTypes,
    code: { regExp: re2RegExp },
  });
  addFormats(ajv);
  return ajv;
}

/** The `$id` key Ajv uses in `schemas` / `refs` (its normalizeId). */
function registryKey(schema: object): string | undefined {
  const id = (schema as { $id?: unknown }).$id;
  return typeof id === 'string' ? id.replace(/#\/?$/, '') : undefined;
}

/**
 * Drops Ajv's compiled entry for `schema`. `removeSchema` also deletes whatever is registered
 * under the schema's `$id`; user schemas are never registered (addUsedSchema: false), but one
 * may claim the `$id` of a meta-schema, which must survive.
 */
function forget(ajv: Ajv2020, schema: unknown): void {
  // The two boolean schemas are shared constants, not growth.
  if (typeof schema !== 'object' || schema === null) return;
  const key = registryKey(schema);
  const registered = key === undefined ? undefined : { schema: ajv.schemas[key], ref: ajv.refs[key] };
  ajv.removeSchema(schema);
  if (key === undefined || !registered) return;
  if (registered.schema) ajv.schemas[key] = registered.schema;
  if (registered.ref) ajv.refs[key] = registered.ref;
}

/** Ajv's count of compiled root schemas (private `_cache`); for leak tests only. */
function compiledCount(ajv: Ajv2020): number {
  return (ajv as unknown as { _cache: Map<unknown, unknown> })._cache.size;
}

function checkDialect(schema: unknown): string | undefined {
  if (typeof schema !== 'object' || schema === null) return undefined;
  const dialect = (schema as { $schema?: unknown }).$schema;
  if (dialect === undefined) return undefined;
  if (typeof dialect !== 'string' || dialect.replace(/#$/, '') !== supportedDialect) {
    return `only JSON Schema 2020-12 is supported ("$schema": "${supportedDialect}")`;
  }
  return undefined;
}

function checkPatterns(schema: unknown): SchemaCheck {
  for (const { path, pattern } of schemaPatterns(schema)) {
    const problem = re2Problem(pattern);
    if (problem) {
      return {
        ok: false,
        path,
        reason: `the regular expression at ${path} is not supported (RE2 syntax; no backreferences or lookaround): ${problem.message}`,
      };
    }
  }
  return { ok: true };
}

export function createSchemaCompiler(options: { cacheSize?: number } = {}) {
  const strictAjv = createAjv(false);
  const coercingAjv = createAjv(true);
  const ajvFor = (coerce: boolean) => (coerce ? coercingAjv : strictAjv);
  const cache = new LRUCache<string, ValidateFunction>({
    max: options.cacheSize ?? 5_000,
    dispose: (validator, key) => forget(ajvFor(key.startsWith('c:')), validator.schema),
  });

  return {
    /** The reason a schema cannot be saved, phrased for the person who wrote it. */
    check(schema: unknown): SchemaCheck {
      if (typeof schema !== 'boolean' && (typeof schema !== 'object' || schema === null || Array.isArray(schema))) {
        return { ok: false, reason: 'a JSON Schema must be an object or a boolean' };
      }
      if (!withinDepth(schema)) {
        return { ok: false, reason: `a schema may nest objects and arrays at most ${maxSchemaDepth} levels deep` };
      }
      if (JSON.stringify(schema).length > maxSchemaBytes) {
        return { ok: false, reason: `a schema may be at most ${maxSchemaBytes} bytes of JSON` };
      }
      const dialect = checkDialect(schema);
      if (dialect) return { ok: false, reason: dialect };
      if (!strictAjv.validateSchema(schema)) {
        return { ok: false, reason: `not a valid JSON Schema: ${strictAjv.errorsText(strictAjv.errors)}` };
      }
      const patterns = checkPatterns(schema);
      if (!patterns.ok) return patterns;
      try {
        strictAjv.compile(schema);
      } catch (error) {
        return { ok: false, reason: `schema does not compile: ${error instanceof Error ? error.message : 'unknown'}` };
      } finally {
        forget(strictAjv, schema);
      }
      return { ok: true };
    },

    /**
     * A validator for `schema`, shared by every interface with the same schema text.
     * `coerce` is for query-string input, whose values arrive as strings.
     */
    compile(schema: unknown, coerce = false): InputValidator {
      const key = `${coerce ? 'c' : 's'}:${JSON.stringify(schema)}`;
      const cached = cache.get(key);
      if (cached) return cached;
      const ajv = ajvFor(coerce);
      let compiled: ValidateFunction;
      try {
        compiled = ajv.compile(schema as object | boolean);
      } catch (error) {
        forget(ajv, schema);
        throw error;
      }
      cache.set(key, compiled);
      return compiled;
    },

    cachedValidators: () => cache.size,

    /** Root schemas Ajv holds compiled, both instances together; bounded by the cache size. */
    ajvCompiledSchemas: () => compiledCount(strictAjv) + compiledCount(coercingAjv),
  };
}

export type SchemaCompiler = ReturnType<typeof createSchemaCompiler>;

/** Ajv's errors as failing JSON Pointers; a missing property points at the property itself. */
export function validationProblems(errors: readonly ErrorObject[] | null | undefined): ValidationProblem[] {
  return (errors ?? []).map((error) => {
    const missing =
      error.keyword === 'required' ? (error.params as { missingProperty?: unknown }).missingProperty : undefined;
    const path = typeof missing === 'string' ? `${error.instancePath}/${missing}` : error.instancePath;
    return { path, message: error.message ?? error.keyword };
  });
}
