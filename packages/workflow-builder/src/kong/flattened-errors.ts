import { interfaceIdOf, isJsonObject, type JsonObject, stringArray } from './kong-types.js';

/**
 * DB-less Kong answers an invalid `POST /config?flatten_errors=1` with 400, code 14 and one
 * `flattened_errors` entry per invalid entity (nested entities hoisted to the top level). This
 * maps them back to public interfaces through the entity's tags (our routes and their plugins
 * carry `wfb-interface-<id>`) or, failing that, the route name; the rest (the service, static
 * routes, base-file entities) concern the whole configuration.
 */
export interface FlattenedFieldError {
  type: 'field' | 'entity';
  field?: string;
  message: string;
}

export interface FlattenedEntityError {
  entity_type: string;
  entity_name?: string;
  entity_id?: string;
  entity_tags?: string[];
  entity?: JsonObject;
  errors: FlattenedFieldError[];
}

function fieldError(value: unknown): FlattenedFieldError | undefined {
  if (!isJsonObject(value) || typeof value.message !== 'string') return undefined;
  const type = value.type === 'field' ? 'field' : 'entity';
  return typeof value.field === 'string'
    ? { type, field: value.field, message: value.message }
    : { type, message: value.message };
}

/** The `flattened_errors` of a Kong error body; entries that do not have Kong's shape are skipped. */
export function parseFlattenedErrors(body: unknown): FlattenedEntityError[] {
  if (!isJsonObject(body) || !Array.isArray(body.flattened_errors)) return [];
  const parsed: FlattenedEntityError[] = [];
  for (const entry of body.flattened_errors) {
    if (!isJsonObject(entry) || typeof entry.entity_type !== 'string' || !Array.isArray(entry.errors)) continue;
    const errors = entry.errors.map(fieldError).filter((error) => error !== undefined);
    const item: FlattenedEntityError = { entity_type: entry.entity_type, errors };
    if (typeof entry.entity_name === 'string') item.entity_name = entry.entity_name;
    if (typeof entry.entity_id === 'string') item.entity_id = entry.entity_id;
    const tags = stringArray(entry.entity_tags);
    if (tags) item.entity_tags = tags;
    if (isJsonObject(entry.entity)) item.entity = entry.entity;
    parsed.push(item);
  }
  return parsed;
}

export function describeFlattenedError(error: FlattenedEntityError): string {
  const label = error.entity_name ? `${error.entity_type} ${error.entity_name}` : error.entity_type;
  const details = error.errors.map((item) => (item.field ? `${item.field}: ${item.message}` : item.message));
  return `${label}: ${details.join('; ')}`;
}

export interface AttributedErrors {
  /** Public interface id → readable reasons, one per invalid entity of that interface. */
  byInterface: Map<string, string[]>;
  unattributed: FlattenedEntityError[];
}

export function attributeFlattenedErrors(errors: readonly FlattenedEntityError[]): AttributedErrors {
  const byInterface = new Map<string, string[]>();
  const unattributed: FlattenedEntityError[] = [];
  for (const error of errors) {
    const routeName = error.entity_type === 'route' ? error.entity_name : undefined;
    const owner = interfaceIdOf(error.entity_tags, routeName);
    if (owner === null) {
      unattributed.push(error);
      continue;
    }
    const reasons = byInterface.get(owner) ?? [];
    reasons.push(describeFlattenedError(error));
    byInterface.set(owner, reasons);
  }
  return { byInterface, unattributed };
}
