import type { ErrorObject, ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { LRUCache } from 'lru-cache';

/**
 * JSON Schema 2020-12 for interface inputs and outputs. Schemas are checked on save (valid
 * against the meta-schema *and* compilable, so unresolvable `$ref`s are caught then, not at
 * request time) and compiled once per distinct schema text; the gateway never compiles on a
 * request. `addUsedSchema: false` keeps two interfaces that share an `$id` independent.
 */
export const maxSchemaBytes = 64 * 1024;
const supportedDialect = 'https://json-schema.org/draft/2020-12/schema';

export type SchemaCheck = { ok: true } | { ok: false; reason: string };

export interface ValidationProblem {
  /** JSON Pointer into the validated value; "" is the value itself. */
  path: string;
  message: string;
}

export type InputValidator = ValidateFunction;

const addFormats = addFormatsModule.default;

function createAjv(coerceTypes: boolean): Ajv2020 {
  const ajv = new Ajv2020({ strict: false, allErrors: true, addUsedSchema: false, coerceTypes });
  addFormats(ajv);
  return ajv;
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

export function createSchemaCompiler(options: { cacheSize?: number } = {}) {
  const strictAjv = createAjv(false);
  const coercingAjv = createAjv(true);
  const cache = new LRUCache<string, ValidateFunction>({ max: options.cacheSize ?? 5_000 });

  return {
    /** The reason a schema cannot be saved, phrased for the person who wrote it. */
    check(schema: unknown): SchemaCheck {
      if (typeof schema !== 'boolean' && (typeof schema !== 'object' || schema === null || Array.isArray(schema))) {
        return { ok: false, reason: 'a JSON Schema must be an object or a boolean' };
      }
      if (JSON.stringify(schema).length > maxSchemaBytes) {
        return { ok: false, reason: `a schema may be at most ${maxSchemaBytes} bytes of JSON` };
      }
      const dialect = checkDialect(schema);
      if (dialect) return { ok: false, reason: dialect };
      if (!strictAjv.validateSchema(schema)) {
        return { ok: false, reason: `not a valid JSON Schema: ${strictAjv.errorsText(strictAjv.errors)}` };
      }
      try {
        strictAjv.compile(schema);
      } catch (error) {
        return { ok: false, reason: `schema does not compile: ${error instanceof Error ? error.message : 'unknown'}` };
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
      const compiled = (coerce ? coercingAjv : strictAjv).compile(schema as object | boolean);
      cache.set(key, compiled);
      return compiled;
    },

    cachedValidators: () => cache.size,
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
