import type { Duration } from '@temporalio/common';

/**
 * Types shared by the workflow API (`http()`, `webhook()`, sandboxed) and the activity that
 * makes the call through the control plane's egress (not sandboxed). Only types and plain
 * constants here, so both sides can import it.
 */
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

/** Attempts in total (the first one included); the delay before retry n is `backoff` × 2^(n−1). */
export interface HttpRetry {
  attempts: number;
  backoff: Duration;
}

export interface HttpOptions {
  /** The connector's name in the workflow's project. */
  connector: string;
  method?: HttpMethod;
  /** Relative to the connector's base URL, starting with "/". */
  path: string;
  query?: Record<string, string | string[]>;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
  /** Name → JSONPath over the JSON response body, e.g. `{ files: '$.files[*].id' }`. */
  select?: Record<string, string>;
  /** The upstream call's timeout; default: the connector's. */
  timeout?: Duration;
  /** Default: the connector's retries and backoff. */
  retry?: HttpRetry;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[]>;
  /** Parsed JSON for JSON responses, text for text, base64 for anything else. */
  body: unknown;
  /** Every match of each `select` expression, in document order. */
  selected: Record<string, unknown[]>;
}

export type WebhookMode = 'blocking' | 'fire-and-forget';

export interface WebhookOptions {
  /** A connector's name (credentials injected), or `url` for a plain endpoint; exactly one. */
  connector?: string;
  url?: string;
  /** With `connector`: relative to its base URL. Default "/". */
  path?: string;
  method?: 'POST' | 'PUT' | 'PATCH';
  headers?: Record<string, string>;
  /** A string is a template: `{{name}}` is filled from `vars`, escaped as JSON string content. Anything else is sent as JSON. */
  body?: unknown;
  vars?: Record<string, unknown>;
  /** Default `blocking`. */
  mode?: WebhookMode;
  /** Default: the connector's settings; 3 attempts with 1 s backoff for a plain URL. */
  retry?: HttpRetry;
  timeout?: Duration;
  /** A CEL expression over `vars`; when false the webhook is skipped. */
  condition?: string;
}

export type WebhookResult =
  | { outcome: 'skipped'; reason: string }
  | { outcome: 'delivered'; status: number; headers: Record<string, string | string[]>; body: unknown }
  | { outcome: 'scheduled'; workflowId: string };

/** What the activity receives: the step, already validated and rendered by the workflow. */
export interface HttpStepInput {
  step: 'http' | 'webhook';
  connector?: string | undefined;
  url?: string | undefined;
  method: string;
  path?: string | undefined;
  query?: Record<string, string | string[]> | undefined;
  headers?: Record<string, string> | undefined;
  body?: string | undefined;
  timeoutMs?: number | undefined;
  select?: Record<string, string> | undefined;
  retry?: { attempts: number; backoffMs: number } | undefined;
}

export type HttpStepOutput = HttpResult;

/** What kind of failure an `HttpStepFailure` is, for workflow code to branch on. */
export type HttpStepFailureCode =
  /** The upstream answered with an error status (see `status`). */
  | 'UPSTREAM_STATUS'
  /** The upstream could not be reached, timed out, or sent a body over the size cap. */
  | 'UPSTREAM_UNREACHABLE'
  | 'UPSTREAM_TIMEOUT'
  | 'RESPONSE_TOO_LARGE'
  | 'RESPONSE_NOT_JSON'
  /** Unknown, disabled or unauthorised connector; or a namespace no project owns. */
  | 'CONNECTOR_UNAVAILABLE'
  /** The OAuth provider refused or failed a token request. */
  | 'TOKEN_REFRESH_FAILED'
  /** The SSRF policy refused the destination. */
  | 'DESTINATION_BLOCKED'
  /** The step's own options: a JSONPath or condition that does not parse, a bad path or URL. */
  | 'INVALID_INPUT'
  /** The control plane could not be reached or refused the worker (retried until it answers). */
  | 'CONTROL_PLANE_UNAVAILABLE';

export interface HttpStepFailureDetails {
  code: HttpStepFailureCode;
  /** The upstream's status, when it answered. */
  status: number | null;
  /** Whether this kind of failure is transient (it was retried until attempts ran out). */
  retryable: boolean;
  connector: string | null;
  /** The first characters of the upstream's error body (credentials redacted). */
  bodyExcerpt: string | null;
}

export const httpStepFailureType = 'HttpStepFailure';
export const httpStepActivityName = 'wfbHttpStep';
export const webhookDeliveryWorkflowType = 'wfbWebhookDelivery';
