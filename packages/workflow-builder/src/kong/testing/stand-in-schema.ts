import { isJsonObject, type JsonObject, type JsonValue } from '../kong-types.js';
import { arrayErrors, type ErrorTree } from './stand-in-errors.js';

/**
 * A small copy of Kong's schema validator (kong/db/schema): type checks, one_of, between, gt,
 * required/default, unknown fields, records and arrays, with Kong's messages. Absent fields
 * take their default; an explicit null stays null (and fails if the field is required).
 */
export type FieldSpec =
  | { type: 'string'; default?: string; required?: boolean; oneOf?: readonly string[]; check?: Check<string> }
  | { type: 'integer' | 'number'; default?: number; required?: boolean; between?: [number, number]; gt?: number }
  | { type: 'integer-of'; default?: number; required?: boolean; oneOf: readonly number[] }
  | { type: 'boolean'; default?: boolean; required?: boolean }
  | { type: 'array' | 'set'; default?: JsonValue[]; required?: boolean; elements: FieldSpec }
  | { type: 'record'; fields: Schema; required?: boolean; check?: Check<JsonObject> }
  | { type: 'map'; keys: Check<string>; values: FieldSpec }
  | { type: 'foreign' };

export type Check<T> = (value: T) => string | undefined;
export type Schema = Record<string, FieldSpec>;

export interface Validated {
  value: JsonValue;
  error?: JsonValue;
}

function missing(spec: FieldSpec): Validated {
  if ('default' in spec && spec.default !== undefined) return { value: structuredClone(spec.default) };
  if (spec.type === 'record') return validateRecord(spec.fields, {}, spec.check);
  return { value: null };
}

export function validateField(spec: FieldSpec, raw: JsonValue | undefined): Validated {
  if (raw === undefined) return missing(spec);
  if (raw === null) {
    return 'required' in spec && spec.required ? { value: null, error: 'required field missing' } : { value: null };
  }
  switch (spec.type) {
    case 'string': {
      if (typeof raw !== 'string') return { value: raw, error: 'expected a string' };
      if (spec.oneOf && !spec.oneOf.includes(raw))
        return { value: raw, error: `expected one of: ${spec.oneOf.join(', ')}` };
      const problem = spec.check?.(raw);
      return problem ? { value: raw, error: problem } : { value: raw };
    }
    case 'integer':
    case 'number': {
      if (typeof raw !== 'number')
        return { value: raw, error: `expected ${spec.type === 'integer' ? 'an integer' : 'a number'}` };
      if (spec.type === 'integer' && !Number.isInteger(raw)) return { value: raw, error: 'expected an integer' };
      if (spec.between && (raw < spec.between[0] || raw > spec.between[1])) {
        return { value: raw, error: `value should be between ${spec.between[0]} and ${spec.between[1]}` };
      }
      if (spec.gt !== undefined && !(raw > spec.gt))
        return { value: raw, error: `value must be greater than ${spec.gt}` };
      return { value: raw };
    }
    case 'integer-of':
      if (typeof raw !== 'number' || !Number.isInteger(raw)) return { value: raw, error: 'expected an integer' };
      return spec.oneOf.includes(raw)
        ? { value: raw }
        : { value: raw, error: `expected one of: ${spec.oneOf.join(', ')}` };
    case 'boolean':
      return typeof raw === 'boolean' ? { value: raw } : { value: raw, error: 'expected a boolean' };
    case 'array':
    case 'set': {
      if (!Array.isArray(raw)) return { value: raw, error: `expected ${spec.type === 'set' ? 'a set' : 'an array'}` };
      const errors = new Map<number, string>();
      const values = raw.map((item, index) => {
        const checked = validateField(spec.elements, item);
        if (checked.error !== undefined) errors.set(index, String(checked.error));
        return checked.value;
      });
      const unique =
        spec.type === 'set' ? [...new Map(values.map((item) => [JSON.stringify(item), item])).values()] : values;
      return errors.size > 0 ? { value: unique, error: arrayErrors(errors) } : { value: unique };
    }
    case 'record':
      if (!isJsonObject(raw)) return { value: raw, error: 'expected a record' };
      return validateRecord(spec.fields, raw, spec.check);
    case 'map': {
      if (!isJsonObject(raw)) return { value: raw, error: 'expected a map' };
      const errors: ErrorTree = {};
      for (const [key, item] of Object.entries(raw)) {
        const problem = spec.keys(key) ?? validateField(spec.values, item).error;
        if (problem !== undefined) errors[key] = typeof problem === 'string' ? problem : problem;
      }
      return Object.keys(errors).length > 0 ? { value: raw, error: errors } : { value: raw };
    }
    case 'foreign':
      if (!isJsonObject(raw)) return { value: raw, error: 'expected a record' };
      if (typeof raw.id === 'string') return { value: { id: raw.id } };
      return typeof raw.name === 'string' ? { value: { name: raw.name } } : { value: raw, error: 'expected a record' };
  }
}

export function validateRecord(schema: Schema, input: JsonObject, check?: Check<JsonObject>): Validated {
  const errors: ErrorTree = {};
  const value: JsonObject = {};
  for (const [name, spec] of Object.entries(schema)) {
    const checked = validateField(spec, input[name]);
    value[name] = checked.value;
    if (checked.error !== undefined) errors[name] = checked.error;
  }
  for (const name of Object.keys(input)) {
    if (!(name in schema)) errors[name] = 'unknown field';
  }
  if (Object.keys(errors).length === 0 && check) {
    const problem = check(value);
    if (problem) return { value, error: problem };
  }
  return Object.keys(errors).length > 0 ? { value, error: errors } : { value };
}

// typedefs (kong/db/schema/typedefs.lua), as far as the fields we send need them.

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuidText = (value: string) => uuid.test(value);

export const checkUuid: Check<string> = (value) => (uuid.test(value) ? undefined : 'expected a valid UUID');

export const checkName: Check<string> = (value) =>
  /^[A-Za-z0-9._~\u0080-\uffff-]+$/.test(value)
    ? undefined
    : `invalid value '${value}': the only accepted ascii characters are alphanumerics or ., -, _, and ~`;

export const checkTag: Check<string> = (value) =>
  /^[\x20-\x2b\x2d\x2e\x30-\x7e\u0080-\uffff]+$/.test(value)
    ? undefined
    : `invalid tag '${value}': expected printable ascii (except \`,\` and \`/\`) or valid utf-8 sequences`;

export const checkHost: Check<string> = (value) => {
  if (/:\d*$/.test(value) && !value.startsWith('[')) return 'must not have a port';
  return /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+)$/.test(value) ? undefined : `invalid value: ${value}`;
};

export const checkHeaderName: Check<string> = (value) =>
  /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(value)
    ? undefined
    : `bad header name '${value}', allowed characters are A-Z, a-z, 0-9, '_', and '-'`;

/** typedefs.path: RFC 3986 characters and well-formed percent-encoding. */
export const checkUrlPath: Check<string> = (value) => {
  if (!value.startsWith('/')) return 'should start with: /';
  if (value.includes('//')) return 'must not have empty segments';
  if (!/^\/[A-Za-z0-9._~/%:@!$&'()*+,;=-]*$/.test(value)) {
    return `invalid path: '${value}' (characters outside of the reserved list of RFC 3986 found)`;
  }
  const bad = /%(?![0-9A-Fa-f]{2})/.exec(value);
  return bad ? `invalid url-encoded value: '${value.slice(bad.index, bad.index + 3)}'` : undefined;
};

const pcreGroupName = /\(\?P?<([^>=!]*)>/g;

/**
 * typedefs.router_path: `/fixed` or `~/regex`. A regex path is compiled on save (Kong dry-runs
 * it with PCRE); JavaScript's engine stands in, plus PCRE's rules on group names.
 */
export const checkRouterPath: Check<string> = (value) => {
  if (!value.startsWith('/') && !value.startsWith('~/')) return 'should start with: / (fixed path) or ~/ (regex path)';
  if (value.includes('//')) return 'must not have empty segments';
  const badPercent = /%(?![0-9A-Fa-f]{2})/.exec(value);
  if (badPercent) return `invalid url-encoded value: '${value.slice(badPercent.index, badPercent.index + 3)}'`;
  if (!value.startsWith('~')) {
    const problem = checkUrlPath(value);
    if (problem) return problem;
    return /\/\.\.?(\/|$)/.test(value) ? 'non-normalized path, consider use a normalized one instead' : undefined;
  }
  const regex = value.slice(1);
  for (const match of regex.matchAll(pcreGroupName)) {
    const name = match[1] ?? '';
    if (name.length > 32) return `invalid regex: '${regex}' (PCRE returned: subpattern name is too long)`;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      return `invalid regex: '${regex}' (PCRE returned: subpattern name expected)`;
    }
  }
  try {
    new RegExp(regex.replaceAll('(?P<', '(?<'));
    return undefined;
  } catch (error) {
    return `invalid regex: '${regex}' (PCRE returned: ${error instanceof Error ? error.message : String(error)})`;
  }
};

export const tags: FieldSpec = { type: 'set', elements: { type: 'string', check: checkTag } };
export const port = (fallback?: number): FieldSpec => ({ type: 'integer', between: [0, 65535], default: fallback });
export const timeout = (fallback?: number): FieldSpec => ({
  type: 'integer',
  between: [0, 2 ** 31 - 2],
  default: fallback,
});
export const httpProtocols = ['grpc', 'grpcs', 'http', 'https'] as const;
export const protocolsHttp: FieldSpec = {
  type: 'set',
  required: true,
  default: [...httpProtocols],
  elements: { type: 'string', oneOf: httpProtocols },
};
