import type { HttpOptions, HttpResult, HttpStepInput } from './http-step.contract.js';
import { HttpStepFailure } from './http-step-failure.js';
import { durationMs, retryOf, runHttpStep } from './step-activity.js';

export type { HttpOptions, HttpResult } from './http-step.contract.js';
export { HttpStepFailure } from './http-step-failure.js';

/**
 * `http()`: a request to an outside API through one of the project's connectors, from
 * workflow code. It runs as an activity that asks the control plane to make the call, so
 * credentials are injected there and never enter the worker or the history. Failures are
 * `HttpStepFailure`s (`code`, `status`, `retryable`, `connector`).
 *
 *   const { selected } = await http({ connector: 'drive', path: '/files', select: { ids: '$.files[*].id' } });
 */
const methods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export function encodeBody(
  body: unknown,
  headers: Record<string, string>,
): { body: string | undefined; headers: Record<string, string> } {
  if (body === undefined) return { body: undefined, headers };
  const hasType = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
  if (typeof body === 'string') return { body, headers };
  return {
    body: JSON.stringify(body),
    headers: hasType ? headers : { ...headers, 'content-type': 'application/json' },
  };
}

export function httpStepInput(options: HttpOptions): HttpStepInput {
  const invalid = HttpStepFailure.invalidInput;
  if (typeof options.connector !== 'string' || options.connector === '') {
    throw invalid('http() needs the name of a connector', undefined);
  }
  const method = (options.method ?? 'GET').toUpperCase();
  if (!methods.has(method)) throw invalid(`http() does not support the method ${method}`, options.connector);
  if (typeof options.path !== 'string' || !options.path.startsWith('/')) {
    throw invalid('path must start with "/" (it is relative to the connector base URL)', options.connector);
  }
  for (const [name, path] of Object.entries(options.select ?? {})) {
    if (typeof path !== 'string' || !path.startsWith('$')) {
      throw invalid(`select.${name} must be a JSONPath starting with "$"`, options.connector);
    }
  }
  const encoded = encodeBody(options.body, options.headers ?? {});
  return {
    step: 'http',
    connector: options.connector,
    method,
    path: options.path,
    query: options.query,
    headers: encoded.headers,
    body: encoded.body,
    timeoutMs: durationMs(options.timeout),
    select: options.select,
    retry: retryOf(options.retry, options.connector, invalid),
  };
}

export async function http(options: HttpOptions): Promise<HttpResult> {
  return runHttpStep(httpStepInput(options));
}
