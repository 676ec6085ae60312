import { describe, expect, it } from 'vitest';
import { createRateLimiter, type RateBucket } from './rate-limiter.js';

const key = (perMinute: number): RateBucket => ({ scope: 'key', id: 'k', perMinute });
const iface = (perMinute: number): RateBucket => ({ scope: 'interface', id: 'i', perMinute });

describe('per-minute rate limiter', () => {
  it('allows a burst of the per-minute budget, then one request per interval', () => {
    let now = 1_000_000;
    const limiter = createRateLimiter({ clock: () => now });
    const decisions = Array.from({ length: 4 }, () => limiter.consume([key(3)]));
    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, false]);
    expect(decisions.map((decision) => decision.remaining)).toEqual([2, 1, 0, 0]);
    expect(decisions[3]).toMatchObject({ allowed: false, scope: 'key', resetMs: 20_000 });
    now += 19_999;
    expect(limiter.consume([key(3)]).allowed).toBe(false);
    now += 1;
    expect(limiter.consume([key(3)]).allowed).toBe(true);
  });

  it('admits exactly the budget for limits that do not divide a minute evenly', () => {
    const limiter = createRateLimiter({ clock: () => 0 });
    const allowed = Array.from({ length: 8 }, () => limiter.consume([key(7)]).allowed);
    expect(allowed).toEqual([true, true, true, true, true, true, true, false]);
  });

  it('consumes all buckets or none: a refusal by one bucket leaves the others untouched', () => {
    const limiter = createRateLimiter({ clock: () => 0 });
    expect(limiter.consume([key(3), iface(1)]).allowed).toBe(true);
    const refused = limiter.consume([key(3), iface(1)]);
    expect(refused).toMatchObject({ allowed: false, scope: 'interface' });
    expect(limiter.consume([key(3)]).allowed).toBe(true);
    expect(limiter.consume([key(3)]).allowed).toBe(true);
    expect(limiter.consume([key(3)])).toMatchObject({ allowed: false, scope: 'key' });
  });

  it('reports the tightest bucket in its headers and forgets idle buckets', () => {
    let now = 0;
    const limiter = createRateLimiter({ clock: () => now });
    expect(limiter.consume([key(100), iface(2)])).toMatchObject({ allowed: true, limit: 2, remaining: 1 });
    expect(limiter.trackedBuckets()).toBe(2);
    now += 120_000;
    limiter.consume([{ scope: 'key', id: 'other', perMinute: 1 }]);
    expect(limiter.trackedBuckets()).toBe(1);
  });
});
