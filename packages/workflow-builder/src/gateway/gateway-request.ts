import { AppError } from '@wfb/core/errors.js';
import { withinDepth } from '@wfb/core/interfaces/schema-walk.js';
import type { FastifyRequest } from 'fastify';
import type { Route } from './route-table.js';

/** Reading a public call: where its parts are in the URL, its input, and which workflow it names. */
export const gatewayPrefix = '/api/v1/';

export interface GatewayTarget {
  hash: string;
  /** The path after the hash, still percent-encoded, without the query string. */
  rest: string;
}

export function parseGatewayUrl(url: string): GatewayTarget | undefined {
  if (!url.startsWith(gatewayPrefix)) return undefined;
  const queryAt = url.indexOf('?', gatewayPrefix.length);
  const path = queryAt === -1 ? url.slice(gatewayPrefix.length) : url.slice(gatewayPrefix.length, queryAt);
  const slashAt = path.indexOf('/');
  return slashAt === -1 ? { hash: path, rest: '' } : { hash: path.slice(0, slashAt), rest: path.slice(slashAt) };
}

/**
 * How deep a call's input may nest. JSON.parse takes any depth, but what comes after is
 * recursive: the Temporal payload converter (JSON.stringify overflows the stack a few
 * thousand levels down, a 500), Ajv on a recursive schema, the request fingerprint.
 */
export const maxInputDepth = 128;

/**
 * A GET takes its input from the query string (as an object, which the schema may coerce);
 * other methods from the JSON body. `undefined` means the workflow gets no argument.
 */
export function readInput(request: FastifyRequest, route: Route): unknown {
  if (route.method !== 'GET') {
    const body: unknown = request.body ?? undefined;
    if (!withinDepth(body, maxInputDepth)) {
      throw new AppError(
        'BAD_REQUEST',
        `the request body may nest objects and arrays at most ${maxInputDepth} levels deep`,
      );
    }
    return body;
  }
  const query = (request.query ?? {}) as Record<string, unknown>;
  return Object.keys(query).length > 0 || route.hasInputSchema ? { ...query } : undefined;
}

const idempotencyKeyPattern = /^[\x21-\x7e]{1,255}$/;

/** The Idempotency-Key of a start or an update; other calls are naturally safe or not deduplicated. */
export function readIdempotencyKey(request: FastifyRequest, route: Route): string | undefined {
  if (route.type !== 'start' && route.type !== 'update') return undefined;
  const header = request.headers['idempotency-key'];
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !idempotencyKeyPattern.test(header)) {
    throw new AppError('BAD_REQUEST', 'Idempotency-Key must be 1 to 255 visible ASCII characters', {
      details: { header: 'Idempotency-Key' },
    });
  }
  return header;
}
