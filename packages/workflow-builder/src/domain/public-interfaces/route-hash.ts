import { createHash } from 'node:crypto';

/**
 * A public interface's URL segment: `/api/v1/<route hash>/<path>`. It is derived once, at
 * creation, from ids that never change, and stored; renaming or re-pathing an interface keeps
 * its URL's hash. `attempt` is bumped when the unique index reports a collision.
 */
export type RouteHashFunction = (input: { projectId: string; publicInterfaceId: string; attempt: number }) => string;

export const routeHashPattern = /^[a-z0-9]{8,32}$/;
const hashLength = 16;

/** 80 bits of SHA-256 in base 36: lowercase, URL-safe, collisions practically never happen. */
export const defaultRouteHash: RouteHashFunction = ({ projectId, publicInterfaceId, attempt }) => {
  const digest = createHash('sha256').update(`${projectId}:${publicInterfaceId}:${attempt}`).digest();
  const value = BigInt(`0x${digest.subarray(0, 10).toString('hex')}`);
  return value.toString(36).padStart(hashLength, '0').slice(-hashLength);
};
