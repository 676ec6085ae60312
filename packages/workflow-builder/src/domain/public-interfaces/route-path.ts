/**
 * Path templates of public interfaces: `/orders/{orderId}/items`. Literal segments are RFC 3986
 * unreserved characters; `{name}` captures one non-empty segment. Parsing happens on save and
 * once per route-table load, matching on every gateway request, so matching does no parsing.
 */
export type PathSegment = { kind: 'literal'; value: string } | { kind: 'param'; name: string };

export interface PathTemplate {
  /** Canonical form: no trailing slash except for the root `/`. */
  path: string;
  segments: PathSegment[];
  params: string[];
}

export type PathTemplateResult = { ok: true; template: PathTemplate } | { ok: false; reason: string };

const literalSegment = /^[A-Za-z0-9._~-]+$/;
const paramSegment = /^\{([A-Za-z_][A-Za-z0-9_]{0,62})\}$/;
export const maxPathLength = 200;
const maxSegments = 16;
/** Longest accepted value of one path parameter (it usually becomes a workflow id). */
export const maxParamValueLength = 255;

export function parsePathTemplate(raw: string): PathTemplateResult {
  if (!raw.startsWith('/')) return { ok: false, reason: 'path must start with "/"' };
  if (raw.length > maxPathLength) return { ok: false, reason: `path must be at most ${maxPathLength} characters` };
  const trimmed = raw.length > 1 && raw.endsWith('/') ? raw.slice(0, -1) : raw;
  const parts = trimmed === '/' ? [] : trimmed.slice(1).split('/');
  if (parts.length > maxSegments) return { ok: false, reason: `path must have at most ${maxSegments} segments` };
  const segments: PathSegment[] = [];
  const params: string[] = [];
  for (const part of parts) {
    const param = paramSegment.exec(part);
    if (param?.[1]) {
      if (params.includes(param[1])) return { ok: false, reason: `path parameter {${param[1]}} appears twice` };
      params.push(param[1]);
      segments.push({ kind: 'param', name: param[1] });
    } else if (literalSegment.test(part)) {
      segments.push({ kind: 'literal', value: part });
    } else {
      return {
        ok: false,
        reason: `invalid path segment "${part}": use letters, digits, "-", ".", "_", "~" or a {parameter}`,
      };
    }
  }
  return { ok: true, template: { path: trimmed, segments, params } };
}

/**
 * Splits the part of a request path after the route hash into decoded segments; undefined
 * when a segment is empty or badly percent-encoded (such a path can match no template).
 */
export function splitRequestPath(rest: string): string[] | undefined {
  if (rest === '' || rest === '/') return [];
  const trimmed = rest.endsWith('/') ? rest.slice(0, -1) : rest;
  const parts = trimmed.startsWith('/') ? trimmed.slice(1).split('/') : trimmed.split('/');
  const decoded: string[] = [];
  for (const part of parts) {
    if (part === '') return undefined;
    try {
      decoded.push(part.includes('%') ? decodeURIComponent(part) : part);
    } catch {
      return undefined;
    }
  }
  return decoded;
}

/** Captured parameters when `segments` fit the template, otherwise undefined. */
export function matchPath(template: PathTemplate, segments: readonly string[]): Record<string, string> | undefined {
  if (segments.length !== template.segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let index = 0; index < segments.length; index += 1) {
    const expected = template.segments[index];
    const actual = segments[index];
    if (expected === undefined || actual === undefined) return undefined;
    if (expected.kind === 'literal') {
      if (expected.value !== actual) return undefined;
    } else {
      if (actual.length === 0 || actual.length > maxParamValueLength) return undefined;
      params[expected.name] = actual;
    }
  }
  return params;
}
