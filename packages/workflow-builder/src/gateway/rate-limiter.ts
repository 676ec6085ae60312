/**
 * Per-minute limits as GCRA (generic cell rate algorithm): each bucket remembers one
 * timestamp, allows a burst of `perMinute` and then one request every 60 s / perMinute.
 * `consume` checks every bucket first and commits only if all allow, in one synchronous step,
 * so a request refused by its interface's limit costs nothing from its key's budget and vice
 * versa. In-process: with several instances each enforces its own budget, and Kong's
 * rate-limiting plugin bounds the total in front.
 */
export interface RateBucket {
  /** Reported back as `scope` when this bucket refuses; `client` counts failed key checks per address. */
  scope: 'key' | 'interface' | 'client';
  id: string;
  perMinute: number;
}

export type RateDecision =
  | { allowed: true; limit: number; remaining: number; resetMs: number }
  | { allowed: false; scope: RateBucket['scope']; limit: number; remaining: 0; resetMs: number };

const windowMs = 60_000;
/** Absorbs floating-point drift of `60_000 / perMinute` so the last request of a burst fits. */
const toleranceMs = 0.001;
const sweepEveryMs = 60_000;

export function createRateLimiter(options: { clock?: () => number } = {}) {
  const clock = options.clock ?? Date.now;
  /** Theoretical arrival time per bucket; an entry in the past is the same as no entry. */
  const arrivals = new Map<string, number>();
  let lastSweep = clock();

  function sweep(now: number) {
    if (now - lastSweep < sweepEveryMs) return;
    lastSweep = now;
    for (const [id, arrival] of arrivals) if (arrival <= now) arrivals.delete(id);
  }

  return {
    consume(buckets: readonly RateBucket[]): RateDecision {
      const now = clock();
      sweep(now);
      const next: number[] = [];
      let tightest: { limit: number; remaining: number; resetMs: number } | undefined;
      for (const bucket of buckets) {
        const interval = windowMs / bucket.perMinute;
        const arrival = Math.max(arrivals.get(`${bucket.scope}:${bucket.id}`) ?? now, now) + interval;
        const backlog = arrival - now;
        if (backlog > windowMs + toleranceMs) {
          return {
            allowed: false,
            scope: bucket.scope,
            limit: bucket.perMinute,
            remaining: 0,
            resetMs: Math.ceil(backlog - windowMs),
          };
        }
        next.push(arrival);
        const remaining = Math.max(0, Math.floor((windowMs + toleranceMs - backlog) / interval));
        if (!tightest || remaining < tightest.remaining) {
          tightest = { limit: bucket.perMinute, remaining, resetMs: Math.ceil(backlog) };
        }
      }
      buckets.forEach((bucket, index) => {
        const arrival = next[index];
        if (arrival !== undefined) arrivals.set(`${bucket.scope}:${bucket.id}`, arrival);
      });
      return { allowed: true, ...(tightest ?? { limit: 0, remaining: 0, resetMs: 0 }) };
    },

    trackedBuckets: () => arrivals.size,
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
