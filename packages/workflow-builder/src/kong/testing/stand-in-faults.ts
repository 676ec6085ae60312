import type { JsonObject } from '../kong-types.js';

/**
 * Failures a test can ask the stand-in for, applied to the next requests in order: an answer
 * with a status (500 by default, 429 with Retry-After), a connection reset with no answer, a
 * delay before every answer. Being down (refusing connections) is `goDown()` on the stand-in.
 */
export type PlannedFault =
  | { kind: 'status'; status: number; body: JsonObject; headers: Record<string, string> }
  | { kind: 'reset' };

export class FaultControls {
  private readonly queue: PlannedFault[] = [];
  /** Added before every answer (also before planned faults). */
  delayMs = 0;

  failNext(times = 1, status = 500, body: JsonObject = { message: 'An unexpected error occurred' }): void {
    for (let index = 0; index < times; index += 1) this.queue.push({ kind: 'status', status, body, headers: {} });
  }

  /** 429 + Retry-After, as DB-less Kong answers while a previous config is still loading. */
  rateLimitNext(times = 1, retryAfterSeconds = 1): void {
    for (let index = 0; index < times; index += 1) {
      this.queue.push({
        kind: 'status',
        status: 429,
        body: { message: 'Currently loading previous configuration' },
        headers: { 'retry-after': String(retryAfterSeconds) },
      });
    }
  }

  resetNext(times = 1): void {
    for (let index = 0; index < times; index += 1) this.queue.push({ kind: 'reset' });
  }

  next(): PlannedFault | undefined {
    return this.queue.shift();
  }

  get pending(): number {
    return this.queue.length;
  }

  clear(): void {
    this.queue.length = 0;
    this.delayMs = 0;
  }
}
