import type { JsonObject } from '../kong-types.js';

/**
 * Failures a test can ask the stand-in for, applied to the next requests in order: an answer
 * with a status (500 by default, 429 with Retry-After), a connection reset with no answer, a
 * delay before every answer. Being down (refusing connections) is `goDown()` on the stand-in.
 */
export type PlannedFault =
  | { kind: 'status'; status: number; body: JsonObject; headers: Record<string, string> }
  | { kind: 'reset' };

function loadingConfig(retryAfterSeconds: number): PlannedFault {
  return {
    kind: 'status',
    status: 429,
    body: { message: 'Currently loading previous configuration' },
    headers: { 'retry-after': String(retryAfterSeconds) },
  };
}

export class FaultControls {
  private readonly queue: PlannedFault[] = [];
  private readonly configQueue: PlannedFault[] = [];
  /** Entities Kong refuses whenever they are written (PUT, POST, `/config`), by name. */
  readonly refusals = new Map<string, { field: string; message: string }>();
  /** Added before every answer (also before planned faults). */
  delayMs = 0;

  failNext(times = 1, status = 500, body: JsonObject = { message: 'An unexpected error occurred' }): void {
    for (let index = 0; index < times; index += 1) this.queue.push({ kind: 'status', status, body, headers: {} });
  }

  /** 429 + Retry-After, as DB-less Kong answers while a previous config is still loading. */
  rateLimitNext(times = 1, retryAfterSeconds = 1): void {
    for (let index = 0; index < times; index += 1) this.queue.push(loadingConfig(retryAfterSeconds));
  }

  /** The next `times` calls of `POST /config` answer 429 + Retry-After; other calls pass. */
  rateLimitConfigPushes(times = 1, retryAfterSeconds = 1): void {
    this.configQueue.push(...Array.from({ length: times }, () => loadingConfig(retryAfterSeconds)));
  }

  resetNext(times = 1): void {
    for (let index = 0; index < times; index += 1) this.queue.push({ kind: 'reset' });
  }

  /** Kong answers 400 (schema violation; in `/config`, a flattened error) for the entity named `name`. */
  refuseEntity(name: string, field: string, message: string): void {
    this.refusals.set(name, { field, message });
  }

  /** The fault for the request about to be answered, if one is planned. */
  next(request?: { method: string; path: string }): PlannedFault | undefined {
    if (request?.method === 'POST' && request.path.endsWith('/config') && this.configQueue.length > 0) {
      return this.configQueue.shift();
    }
    return this.queue.shift();
  }

  get pending(): number {
    return this.queue.length + this.configQueue.length;
  }

  clear(): void {
    this.queue.length = 0;
    this.configQueue.length = 0;
    this.delayMs = 0;
    this.refusals.clear();
  }
}
