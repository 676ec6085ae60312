import { log, ParentClosePolicy, startChild, uuid4, workflowInfo } from '@temporalio/workflow';
import { evaluateCondition } from './condition.js';
import { encodeBody } from './http.js';
import {
  type HttpStepInput,
  type WebhookOptions,
  type WebhookResult,
  webhookDeliveryWorkflowType,
} from './http-step.contract.js';
import { HttpStepFailure } from './http-step-failure.js';
import { durationMs, retryOf, runHttpStep } from './step-activity.js';
import { renderTemplate } from './template.js';

export type { WebhookOptions, WebhookResult } from './http-step.contract.js';
export { HttpStepFailure } from './http-step-failure.js';

/**
 * `webhook()`: notify an outside endpoint (a connector, or a plain URL) from workflow code.
 * The condition (CEL over `vars`) and the body template are evaluated here, before any
 * call: both are pure, so they replay the same. `blocking` (default) waits for the
 * response; `fire-and-forget` starts `wfbWebhookDelivery` as an abandoned child workflow
 * and returns once it has started: the delivery and its retries go on even when this
 * workflow completes first, and its failure never fails this workflow. Workflow modules
 * that use fire-and-forget must export `wfbWebhookDelivery` (from this file).
 */
const methods = new Set(['POST', 'PUT', 'PATCH']);

function webhookStepInput(options: WebhookOptions): HttpStepInput {
  const invalid = HttpStepFailure.invalidInput;
  const connector = options.connector;
  if ((connector === undefined) === (options.url === undefined)) {
    throw invalid('webhook() needs exactly one of connector and url', connector);
  }
  const method = (options.method ?? 'POST').toUpperCase();
  if (!methods.has(method)) throw invalid(`webhook() method must be POST, PUT or PATCH, not ${method}`, connector);
  const path = options.path ?? '/';
  if (connector !== undefined && !path.startsWith('/')) throw invalid('path must start with "/"', connector);
  const headers = { ...(options.headers ?? {}) };
  let body = options.body;
  if (typeof body === 'string') {
    const rendered = renderTemplate(body, options.vars ?? {});
    const hasType = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
    if (!hasType) headers['content-type'] = looksLikeJson(rendered) ? 'application/json' : 'text/plain; charset=utf-8';
    body = rendered;
  }
  const encoded = encodeBody(body, headers);
  return {
    step: 'webhook',
    connector,
    url: options.url,
    method,
    ...(connector !== undefined && { path }),
    headers: encoded.headers,
    body: encoded.body,
    timeoutMs: durationMs(options.timeout),
    retry: retryOf(options.retry, connector, invalid),
  };
}

function looksLikeJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export async function webhook(options: WebhookOptions): Promise<WebhookResult> {
  const mode = options.mode ?? 'blocking';
  if (mode !== 'blocking' && mode !== 'fire-and-forget') {
    throw HttpStepFailure.invalidInput(
      `webhook() mode must be blocking or fire-and-forget, not ${mode}`,
      options.connector,
    );
  }
  if (options.condition !== undefined) {
    const decided = evaluateCondition(options.condition, options.vars ?? {});
    if (!decided.ok) throw HttpStepFailure.invalidInput(decided.message, options.connector);
    if (!decided.value) return { outcome: 'skipped', reason: `condition is false: ${options.condition}` };
  }
  const input = webhookStepInput(options);
  if (mode === 'blocking') return delivered(await runHttpStep(input));
  const workflowId = `${workflowInfo().workflowId}-webhook-${uuid4()}`;
  try {
    await startChild(webhookDeliveryWorkflowType, {
      args: [input],
      workflowId,
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (error) {
    // Fire-and-forget never fails the workflow; the reason is logged and returned.
    const reason = error instanceof Error ? error.message : String(error);
    log.warn('could not schedule the webhook', { reason });
    return { outcome: 'skipped', reason: `could not schedule the webhook: ${reason}` };
  }
  return { outcome: 'scheduled', workflowId };
}

function delivered(result: Awaited<ReturnType<typeof runHttpStep>>): WebhookResult {
  return { outcome: 'delivered', status: result.status, headers: result.headers, body: result.body };
}

/** The child workflow of a fire-and-forget webhook: one delivery, with its retries. */
export async function wfbWebhookDelivery(input: HttpStepInput): Promise<WebhookResult> {
  return delivered(await runHttpStep(input));
}
