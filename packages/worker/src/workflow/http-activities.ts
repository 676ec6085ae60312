import { Context } from '@temporalio/activity';
import {
  type ControlPlaneConfig,
  ControlPlaneUnreachableError,
  callEgress,
  type EgressReply,
} from './egress-client.js';
import type { HttpStepInput, HttpStepOutput } from './http-step.contract.js';
import { HttpStepFailure } from './http-step-failure.js';
import { jsonPathProblem, selectAll } from './json-path.js';
import { type AttemptContext, controlPlaneFailure, refusalFailure, statusFailure } from './step-outcome.js';

/**
 * The activity behind `http()` and `webhook()`. It holds no connector secret: it asks the
 * control plane's egress to make the call (credentials injected, SSRF policy, size cap,
 * audit there), binding it to the workflow's namespace, then decodes the response and
 * evaluates `select`. Register it on every worker whose workflows use HTTP steps.
 */
export interface HttpActivityDeps {
  /** CONTROL_PLANE_URL and WORKER_TOKEN; without them every step fails (retryably) until configured. */
  controlPlane: ControlPlaneConfig | undefined;
  fetch?: typeof fetch;
}

function decodeBody(headers: Record<string, string | string[]>, body: Buffer): unknown {
  if (body.length === 0) return null;
  const raw = headers['content-type'];
  const type = (Array.isArray(raw) ? raw[0] : raw)?.toLowerCase() ?? '';
  if (/[/+]json\b/.test(type)) {
    try {
      return JSON.parse(body.toString('utf8'));
    } catch {
      return body.toString('utf8');
    }
  }
  if (type === '' || type.startsWith('text/') || /xml|x-www-form-urlencoded|javascript/.test(type)) {
    return body.toString('utf8');
  }
  return body.toString('base64');
}

export function createHttpActivities(deps: HttpActivityDeps) {
  return {
    async wfbHttpStep(input: HttpStepInput): Promise<HttpStepOutput> {
      const { info, log, cancellationSignal } = Context.current();
      const context: AttemptContext = {
        attempt: info.attempt,
        connector: input.connector,
        target: input.connector !== undefined ? `connector "${input.connector}"` : safeOrigin(input.url),
        retry: input.retry,
      };
      for (const [name, path] of Object.entries(input.select ?? {})) {
        const problem = jsonPathProblem(path);
        if (problem) throw HttpStepFailure.invalidInput(`select.${name} ${problem}`, input.connector);
      }
      const namespace = info.workflowNamespace;
      const execution = info.workflowExecution;
      if (!namespace || !execution) {
        throw HttpStepFailure.invalidInput('HTTP steps run only as activities of a workflow', input.connector);
      }
      if (!deps.controlPlane) {
        throw controlPlaneFailure(context, 'this worker has no CONTROL_PLANE_URL and WORKER_TOKEN for HTTP steps');
      }
      let reply: EgressReply;
      try {
        reply = await callEgress(
          deps.controlPlane,
          {
            namespace,
            workflow: { id: execution.workflowId, runId: execution.runId, type: info.workflowType ?? '' },
            connector: input.connector,
            url: input.url,
            method: input.method,
            path: input.path,
            query: input.query,
            headers: input.headers,
            body: input.body === undefined ? undefined : Buffer.from(input.body, 'utf8').toString('base64'),
            timeoutMs: input.timeoutMs,
          },
          { signal: cancellationSignal, ...(deps.fetch && { fetch: deps.fetch }) },
        );
      } catch (error) {
        if (!(error instanceof ControlPlaneUnreachableError)) throw error;
        log.warn(error.message, { attempt: info.attempt });
        throw controlPlaneFailure(context, error.message);
      }
      if (reply.kind === 'refused') {
        const refused = refusalFailure(context, reply);
        log.warn(refused.message, { code: refused.code, attempt: info.attempt });
        throw refused;
      }
      const failed = statusFailure(context, reply);
      if (failed) {
        log.warn(failed.message, { status: failed.status, attempt: info.attempt });
        throw failed;
      }
      const body = decodeBody(reply.headers, reply.body);
      let selected: Record<string, unknown[]> = {};
      if (input.select && Object.keys(input.select).length > 0) {
        if (typeof body !== 'object' || body === null) {
          throw new HttpStepFailure(`${context.target} answered without a JSON body to select from`, {
            code: 'RESPONSE_NOT_JSON',
            status: reply.status,
            retryable: false,
            connector: input.connector ?? null,
            bodyExcerpt: null,
          });
        }
        selected = selectAll(input.select, body);
      }
      return { status: reply.status, headers: reply.headers, body, selected };
    },
  };
}

export type HttpActivities = ReturnType<typeof createHttpActivities>;

function safeOrigin(url: string | undefined): string {
  try {
    return new URL(url ?? '').origin;
  } catch {
    return 'the webhook URL';
  }
}
