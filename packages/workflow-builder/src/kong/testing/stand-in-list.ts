import type { JsonObject } from '../kong-types.js';
import { type KongErrorReply, kongError } from './stand-in-errors.js';

/**
 * Kong's list endpoints (kong/api/endpoints.lua, kong/db/dao): `size` 1–1000 (default 100),
 * an opaque `offset`, `next` as a root-relative URL or null; `tags=a,b` is AND, `tags=a/b` is
 * OR, anything else (mixed separators) is an invalid option. Nested lists ignore `tags`.
 */
const tagBytes = '\\x20-\\x2B\\x2D\\x2E\\x30-\\x7E\\u0080-\\uFFFF';
const tagsAnd = new RegExp(`^([${tagBytes}]+(?:,|$))+$`);
const tagsOr = new RegExp(`^([${tagBytes}]+(?:/|$))+$`);

export interface ListQuery {
  size?: string | null;
  offset?: string | null;
  tags?: string | null;
}

type TagFilter = { ok: true; match: (entity: JsonObject) => boolean } | { ok: false; error: KongErrorReply };

function invalidTags(message: string): TagFilter {
  return { ok: false, error: kongError(400, 11, `invalid option (tags: ${message})`, { tags: message }) };
}

export function tagFilter(raw: string | null | undefined): TagFilter {
  if (raw === undefined || raw === null) return { ok: true, match: () => true };
  const mode = tagsAnd.test(raw) ? 'and' : tagsOr.test(raw) ? 'or' : undefined;
  if (mode === undefined) return invalidTags('invalid filter syntax');
  const wanted = raw.split(mode === 'and' ? ',' : '/').filter((tag) => tag !== '');
  if (wanted.length > 5) return invalidTags('cannot query more than 5 tags');
  if (!/^[A-Za-z0-9._~-]+$/.test(wanted.join(''))) {
    return invalidTags("must only contain alphanumeric and '., -, _, ~' characters");
  }
  return {
    ok: true,
    match: (entity) => {
      const tags = Array.isArray(entity.tags) ? entity.tags : [];
      return mode === 'and' ? wanted.every((tag) => tags.includes(tag)) : wanted.some((tag) => tags.includes(tag));
    },
  };
}

export type PageResult = { ok: true; body: JsonObject } | { ok: false; error: KongErrorReply };

function encodeOffset(id: string): string {
  return Buffer.from(JSON.stringify([id])).toString('base64');
}

function decodeOffset(offset: string): string | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(offset)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(offset, 'base64').toString('utf8'));
    return Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined;
  } catch {
    return undefined;
  }
}

/** One page of `entities` (already sorted by id) after the one `query.offset` names. */
export function page(collectionPath: string, entities: JsonObject[], query: ListQuery, nested: boolean): PageResult {
  let size = 100;
  if (query.size !== undefined && query.size !== null) {
    size = Number(query.size);
    if (query.size.trim() === '' || Number.isNaN(size)) {
      return { ok: false, error: kongError(400, 9, 'size must be a number') };
    }
    if (!Number.isInteger(size) || size < 1 || size > 1000) {
      return { ok: false, error: kongError(400, 9, 'size must be an integer between 1 and 1000') };
    }
  }
  const filter = nested ? tagFilter(undefined) : tagFilter(query.tags);
  if (!filter.ok) return filter;
  let start = 0;
  if (query.offset !== undefined && query.offset !== null) {
    const after = decodeOffset(query.offset);
    if (after === undefined) {
      return { ok: false, error: kongError(400, 7, `'${query.offset}' is not a valid offset: bad base64 encoding`) };
    }
    start = entities.findIndex((entity) => String(entity.id) > after);
    if (start === -1) start = entities.length;
  }
  const matching = entities.slice(start).filter(filter.match);
  const data = matching.slice(0, size);
  const last = data[data.length - 1];
  if (matching.length <= size || last === undefined) return { ok: true, body: { data, next: null } };
  const offset = encodeOffset(String(last.id));
  let next = `${collectionPath}?offset=${encodeURIComponent(offset)}`;
  if (!nested && query.tags) next += `&tags=${encodeURIComponent(query.tags)}`;
  if (!nested && query.size) next += `&size=${query.size}`;
  return { ok: true, body: { data, offset, next } };
}
