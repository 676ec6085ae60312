import { setTimeout as sleep } from 'node:timers/promises';
import { OutboundTimeoutError } from './errors.js';

/**
 * One time budget for a whole outbound call (every redirect hop, retry, backoff wait and
 * body read), combined with the caller's own AbortSignal. Knowing which of the two fired
 * lets a timeout surface as OutboundTimeoutError while a caller's abort keeps its reason.
 */
export class Deadline {
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly endsAt: number;
  private timedOut = false;
  private readonly onCallerAbort: () => void;

  constructor(
    readonly timeoutMs: number,
    private readonly callerSignal?: AbortSignal,
  ) {
    this.signal = this.controller.signal;
    this.endsAt = Date.now() + timeoutMs;
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    this.onCallerAbort = () => this.controller.abort(callerSignal?.reason);
    if (callerSignal?.aborted) this.onCallerAbort();
    else callerSignal?.addEventListener('abort', this.onCallerAbort, { once: true });
  }

  remainingMs(): number {
    return Math.max(0, this.endsAt - Date.now());
  }

  async wait(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.signal });
  }

  /** Maps an error raised while the deadline ran to what the caller should see. */
  translate(error: unknown, host: string): unknown {
    if (this.timedOut) return new OutboundTimeoutError(host, this.timeoutMs, { cause: error });
    if (this.callerSignal?.aborted) return this.callerSignal.reason;
    return error;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
  }
}
