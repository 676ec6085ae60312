import { routeHashPattern } from '../domain/public-interfaces/route-hash.js';
import { parsePathTemplate } from '../domain/public-interfaces/route-path.js';

/**
 * The Kong route path that matches exactly the requests the backend's gateway serves for
 * `METHOD /api/v1/<hash><template>`:
 * - Kong treats a path starting with `~` as a regex and anchors it at the start of the path;
 *   the `$` anchors the end, so nothing longer matches.
 * - The gateway strips one trailing slash (`splitRequestPath`), hence `/?` before `$`.
 * - A `{param}` matches one non-empty segment (`matchPath`), hence `[^/]+`. Percent-encoded
 *   slashes stay encoded in Kong's normalised path, so they stay inside one segment on both
 *   sides. The backend's 255-character cap is on the decoded value and is left to it.
 * - Literal segments are RFC 3986 unreserved characters; only `.` is a regex metacharacter
 *   among them, but every metacharacter is escaped so the invariant does not depend on that.
 */
/** Where the backend serves public calls (the gateway's `gatewayPrefix`; a test keeps them equal). */
export const apiPrefix = '/api/v1/';

export type KongPathResult = { ok: true; path: string } | { ok: false; reason: string };

/** PCRE2 (which Kong uses to validate regex paths on save) caps group names at 32 characters. */
export const maxCaptureNameLength = 32;

const regexMetacharacters = /[\\^$.|?*+()[\]{}]/g;

export function escapeRegexLiteral(literal: string): string {
  return literal.replace(regexMetacharacters, '\\$&');
}

export function kongRoutePath(routeHash: string, templatePath: string): KongPathResult {
  if (!routeHashPattern.test(routeHash)) return { ok: false, reason: `invalid route hash "${routeHash}"` };
  const parsed = parsePathTemplate(templatePath);
  if (!parsed.ok) return { ok: false, reason: parsed.reason };
  const segments = parsed.template.segments.map((segment) => {
    if (segment.kind === 'literal') return `/${escapeRegexLiteral(segment.value)}`;
    // A longer parameter name still matches the same segment; Kong just cannot name it.
    return segment.name.length <= maxCaptureNameLength ? `/(?<${segment.name}>[^/]+)` : '/([^/]+)';
  });
  return { ok: true, path: `~${apiPrefix}${routeHash}${segments.join('')}/?$` };
}

/** Kong regex paths of the backend's fixed public endpoints (no trailing slash: Fastify is strict). */
export const whoamiPath = `~${apiPrefix}whoami$`;
export const openApiPath = `~${apiPrefix}openapi/[^/]+$`;
