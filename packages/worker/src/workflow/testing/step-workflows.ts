/**
 * Workflows for the HTTP step tests (a workflowsPath of its own): each runs one step and
 * reports its result or its typed failure as data, so tests can assert on both; `…Uncaught`
 * lets the failure fail the workflow instead.
 */
import { proxyActivities } from '@temporalio/workflow';
import { http } from '../http.js';
import type { HttpOptions, HttpResult, WebhookOptions, WebhookResult } from '../http-step.contract.js';
import { HttpStepFailure } from '../http-step-failure.js';
import { webhook } from '../webhook.js';

export { wfbWebhookDelivery } from '../webhook.js';

export type StepReport<T> =
  | { ok: true; result: T }
  | {
      ok: false;
      failure: {
        message: string;
        code: string;
        status: number | null;
        retryable: boolean;
        connector: string | null;
        bodyExcerpt: string | null;
      };
    };

async function report<T>(step: () => Promise<T>): Promise<StepReport<T>> {
  try {
    return { ok: true, result: await step() };
  } catch (error) {
    if (!(error instanceof HttpStepFailure)) throw error;
    const { message, code, status, retryable, connector, bodyExcerpt } = error;
    return { ok: false, failure: { message, code, status, retryable, connector, bodyExcerpt } };
  }
}

export async function httpStepProbe(options: HttpOptions): Promise<StepReport<HttpResult>> {
  return report(() => http(options));
}

export async function webhookStepProbe(options: WebhookOptions): Promise<StepReport<WebhookResult>> {
  return report(() => webhook(options));
}

export async function httpStepUncaught(options: HttpOptions): Promise<HttpResult> {
  return http(options);
}

/** Runs one named activity once (benchmarks compare an HTTP step with a plain activity). */
export async function activityProbe(name: string, input: unknown): Promise<unknown> {
  const activities = proxyActivities<Record<string, (input: unknown) => Promise<unknown>>>({
    startToCloseTimeout: '5 minutes',
    retry: { maximumAttempts: 1 },
  });
  const activity = activities[name];
  if (!activity) throw new Error(`no activity ${name}`);
  return activity(input);
}
