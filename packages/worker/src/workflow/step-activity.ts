import { msToNumber } from '@temporalio/common/lib/time.js';
import { proxyActivities } from '@temporalio/workflow';
import type { HttpActivities } from './http-activities.js';
import type { HttpStepInput, HttpStepOutput } from './http-step.contract.js';
import { asHttpStepFailure } from './http-step-failure.js';

/**
 * Schedules the HTTP step activity from workflow code. Temporal may retry without limit (no maximumAttempts):
 * the activity itself says when to stop (non-retryable failures, the step's or the
 * connector's attempts) and how long to wait (nextRetryDelay); only a control plane that
 * cannot be reached is retried until it answers. An attempt may take the upstream timeout
 * plus the control plane's margin.
 */
const maxUpstreamTimeoutMs = 300_000;
const attemptMarginMs = 30_000;

export function durationMs(value: Parameters<typeof msToNumber>[0] | undefined): number | undefined {
  return value === undefined ? undefined : msToNumber(value);
}

export async function runHttpStep(input: HttpStepInput): Promise<HttpStepOutput> {
  const { wfbHttpStep } = proxyActivities<HttpActivities>({
    startToCloseTimeout: (input.timeoutMs ?? maxUpstreamTimeoutMs) + attemptMarginMs,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });
  try {
    return await wfbHttpStep(input);
  } catch (error) {
    throw asHttpStepFailure(error) ?? error;
  }
}

export function retryOf(
  retry: { attempts: number; backoff: Parameters<typeof msToNumber>[0] } | undefined,
  connector: string | undefined,
  invalid: (message: string, connector: string | undefined) => Error,
): HttpStepInput['retry'] {
  if (retry === undefined) return undefined;
  if (!Number.isInteger(retry.attempts) || retry.attempts < 1 || retry.attempts > 100) {
    throw invalid('retry.attempts must be an integer from 1 to 100', connector);
  }
  return { attempts: retry.attempts, backoffMs: msToNumber(retry.backoff) };
}
