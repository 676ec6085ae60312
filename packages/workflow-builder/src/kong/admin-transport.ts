import { setTimeout as delay } from 'node:timers/promises';
import { type Dispatcher, request } from 'undici';
import { KongAdminError, KongTransportError, parseRetryAfter, type RequestLabel } from './admin-errors.js';

/**
 * One Admin API call with a per-attempt timeout and retries. Retried: 5xx, 429 and transport
 * failures — every call this client makes is idempotent (GET, PUT, DELETE, and `POST /config`
 * replaces the whole configuration), so repeating one that may have landed is safe. Never
 * retried: other 4xx. Waits honour Retry-After, else exponential backoff with full jitter.
 */
export interface KongTransportOptions {
  /** Admin API root; may carry a path prefix (Konnect: `…/v2/control-planes/<id>/core-entities`). */
  baseUrl: string;
  /** Sent as `Kong-Admin-Token` (KONG_ADMIN_TOKEN, Kong Enterprise RBAC). */
  adminToken?: string;
  /** Sent as `Authorization: Bearer …` (Konnect personal/system access token). */
  bearerToken?: string;
  /** Per attempt, headers and body included. */
  timeoutMs?: number;
  /** Retries after the first attempt. */
  retries?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** A longer Retry-After is not waited out: the error goes to the caller, who can reschedule. */
  maxRetryAfterMs?: number;
  dispatcher?: Dispatcher;
  /** For tests: jitter source and clock. */
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface KongRequest {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  signal?: AbortSignal;
}

export interface KongResponse {
  status: number;
  body: unknown;
}

export type KongTransport = (call: KongRequest) => Promise<KongResponse>;

const defaults = {
  timeoutMs: 10_000,
  retries: 3,
  backoffBaseMs: 250,
  backoffMaxMs: 5_000,
  maxRetryAfterMs: 30_000,
};

function sleepFor(ms: number, signal?: AbortSignal): Promise<void> {
  return delay(ms, undefined, signal ? { signal } : undefined);
}

function urlFor(baseUrl: string, call: KongRequest): string {
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}${call.path}`);
  for (const [key, value] of Object.entries(call.query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  return url.toString();
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function createKongTransport(options: KongTransportOptions): KongTransport {
  const settings = { ...defaults, ...options };
  const sleep = options.sleep ?? sleepFor;
  const random = options.random ?? Math.random;
  new URL(settings.baseUrl); // a bad base URL fails at construction, not at the first sync

  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.adminToken) headers['kong-admin-token'] = options.adminToken;
  if (options.bearerToken) headers.authorization = `Bearer ${options.bearerToken}`;

  async function attempt(call: KongRequest, label: RequestLabel): Promise<KongResponse> {
    const timeout = AbortSignal.timeout(settings.timeoutMs);
    const signal = call.signal ? AbortSignal.any([timeout, call.signal]) : timeout;
    let response: Dispatcher.ResponseData;
    let text: string;
    try {
      response = await request(urlFor(settings.baseUrl, call), {
        method: call.method,
        headers: call.body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        signal,
        dispatcher: options.dispatcher,
      });
      text = await response.body.text();
    } catch (cause) {
      if (call.signal?.aborted) throw cause;
      throw new KongTransportError({ request: label, cause, timedOut: timeout.aborted, timeoutMs: settings.timeoutMs });
    }
    const body = parseBody(text);
    if (response.statusCode < 400) return { status: response.statusCode, body };
    const retryAfterMs = parseRetryAfter(response.headers['retry-after']);
    throw new KongAdminError({ status: response.statusCode, body, text, request: label, retryAfterMs });
  }

  return async function send(call: KongRequest): Promise<KongResponse> {
    const label = { method: call.method, path: call.path };
    for (let retry = 0; ; retry += 1) {
      try {
        return await attempt(call, label);
      } catch (error) {
        const retryable = error instanceof KongAdminError || error instanceof KongTransportError;
        if (!retryable || !error.retryable || retry >= settings.retries) throw error;
        const retryAfter = error instanceof KongAdminError ? error.retryAfterMs : undefined;
        if (retryAfter !== undefined && retryAfter > settings.maxRetryAfterMs) throw error;
        const ceiling = Math.min(settings.backoffMaxMs, settings.backoffBaseMs * 2 ** retry);
        await sleep(retryAfter ?? Math.round(random() * ceiling), call.signal);
      }
    }
  };
}
