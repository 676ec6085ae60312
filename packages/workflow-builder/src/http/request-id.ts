import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const acceptable = /^[A-Za-z0-9._:-]{8,128}$/;

/** Keeps a caller's `x-request-id` when it looks like an id, so traces join up; otherwise mints one. */
export function requestIdFor(request: IncomingMessage): string {
  const header = request.headers['x-request-id'];
  return typeof header === 'string' && acceptable.test(header) ? header : randomUUID();
}
