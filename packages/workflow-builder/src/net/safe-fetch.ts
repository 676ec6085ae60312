import { type Dispatcher, request } from 'undici';
import { Deadline } from './deadline.js';
import { OutboundUrlError, TooManyRedirectsError } from './errors.js';
import { parseOutboundUrl } from './outbound-url.js';
import { type CredentialNames, type Hop, nextHop, type RequestBody } from './redirect-policy.js';
import { discard, readCapped } from './response-body.js';
import {
  backoffDelayMs,
  isRetryableError,
  isRetryableStatus,
  mayRetryMethod,
  parseRetryAfterMs,
  type ResolvedRetryOptions,
  type RetryOptions,
  resolveRetryOptions,
} from './retry-policy.js';
import type { SafeDispatcher } from './safe-dispatcher.js';
import { toUpstreamError } from './upstream-unreachable.js';

/**
 * Outbound HTTP for user-configured URLs (connectors, webhooks, OAuth endpoints). All
 * connections go through a SafeDispatcher, redirects are followed here so each hop is
 * re-checked and credentials stay with their origin, one deadline bounds the whole call,
 * and bodies are read with a hard cap so a hostile server cannot exhaust memory. Request
 * bodies are strings or bytes, never streams, so retries and 307/308 can replay them.
 * Network failures (DNS, refused connections, TLS …) surface as UpstreamUnreachableError.
 */
export interface SafeFetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: RequestBody;
  signal?: AbortSignal;
}

export interface SafeFetchOptions {
  dispatcher: SafeDispatcher;
  /** Default 5. */
  maxRedirects?: number;
  /** Whole-call budget: all hops, retries, waits and body reads. Default 30 s. */
  timeoutMs?: number;
  /** Default 5 MiB. */
  maxResponseBytes?: number;
  /** Extra headers that carry secrets; removed on a cross-origin redirect (case-insensitive). */
  credentialHeaders?: readonly string[];
  /** Query parameters that carry secrets; removed from a cross-origin redirect target. */
  credentialQueryParams?: readonly string[];
  retry?: RetryOptions;
}

export interface SafeResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
  /** The URL of the final hop. */
  url: string;
  redirects: number;
  /** Requests sent in total, over every hop and retry. */
  attempts: number;
}

interface Settings {
  dispatcher: SafeDispatcher;
  maxRedirects: number;
  maxResponseBytes: number;
  credentials: CredentialNames;
  retry: ResolvedRetryOptions;
  deadline: Deadline;
}

export async function safeFetch(
  url: string | URL,
  init: SafeFetchInit,
  options: SafeFetchOptions,
): Promise<SafeResponse> {
  const method = (init.method ?? 'GET').toUpperCase();
  if (!/^[A-Z]+$/.test(method) || method === 'CONNECT') {
    throw new OutboundUrlError(`the HTTP method ${JSON.stringify(method)} is not allowed`);
  }
  let hop: Hop = {
    url: parseOutboundUrl(url, options.dispatcher.policy),
    method,
    headers: new Map(Object.entries(init.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value])),
    body: init.body,
  };
  const settings: Settings = {
    dispatcher: options.dispatcher,
    maxRedirects: nonNegative('maxRedirects', options.maxRedirects ?? 5),
    maxResponseBytes: nonNegative('maxResponseBytes', options.maxResponseBytes ?? 5 * 1024 * 1024),
    credentials: {
      headers: new Set((options.credentialHeaders ?? []).map((name) => name.toLowerCase())),
      queryParams: options.credentialQueryParams ?? [],
    },
    retry: resolveRetryOptions(options.retry),
    deadline: new Deadline(nonNegative('timeoutMs', options.timeoutMs ?? 30_000), init.signal),
  };

  let attempts = 0;
  try {
    for (let redirects = 0; ; redirects += 1) {
      const { response, tries } = await sendWithRetries(hop, settings);
      attempts += tries;
      let next: Hop | undefined;
      try {
        next = nextHop(
          hop,
          response.statusCode,
          response.headers.location,
          options.dispatcher.policy,
          settings.credentials,
        );
      } catch (error) {
        await discard(response);
        throw error;
      }
      if (next === undefined) {
        const body = await readCapped(response, settings.maxResponseBytes, hop.url.host);
        return {
          status: response.statusCode,
          headers: cleanHeaders(response.headers),
          body,
          url: hop.url.href,
          redirects,
          attempts,
        };
      }
      await discard(response);
      if (redirects >= settings.maxRedirects) throw new TooManyRedirectsError(hop.url.host, settings.maxRedirects);
      hop = next;
    }
  } catch (error) {
    throw toUpstreamError(settings.deadline.translate(error, hop.url.host), hop.url.host);
  } finally {
    settings.deadline.dispose();
  }
}

async function sendWithRetries(
  hop: Hop,
  settings: Settings,
): Promise<{ response: Dispatcher.ResponseData; tries: number }> {
  const { retry, deadline } = settings;
  const retryable = mayRetryMethod(hop.method, retry);
  for (let tries = 1; ; tries += 1) {
    const canRetry = retryable && tries <= retry.maxRetries;
    let response: Dispatcher.ResponseData;
    try {
      response = await request(hop.url, {
        dispatcher: settings.dispatcher,
        method: hop.method,
        headers: Object.fromEntries(hop.headers),
        body: hop.body ?? null,
        signal: deadline.signal,
      });
    } catch (error) {
      const delay = backoffDelayMs(tries, retry);
      if (!canRetry || deadline.signal.aborted || !isRetryableError(error) || delay >= deadline.remainingMs())
        throw error;
      await deadline.wait(delay);
      continue;
    }
    if (!canRetry || !isRetryableStatus(response.statusCode)) return { response, tries };
    const retryAfter = parseRetryAfterMs(response.headers['retry-after']);
    if (retryAfter !== undefined && retryAfter > retry.maxRetryAfterMs) return { response, tries };
    const delay = Math.max(backoffDelayMs(tries, retry), retryAfter ?? 0);
    if (delay >= deadline.remainingMs()) return { response, tries };
    await discard(response);
    await deadline.wait(delay);
  }
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a finite number >= 0`);
  return value;
}

function cleanHeaders(headers: Dispatcher.ResponseData['headers']): Record<string, string | string[]> {
  return Object.fromEntries(
    Object.entries(headers).filter((entry): entry is [string, string | string[]] => entry[1] !== undefined),
  );
}
