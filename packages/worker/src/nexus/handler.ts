import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { getClient, operationInfo, startWorkflow, WorkflowRunOperationHandler } from '@temporalio/nexus';
import { perform, type TemporalCall } from '@wfb/core/interfaces/invoke.js';
import { validationProblems } from '@wfb/core/interfaces/json-schema.js';
import { classifyTemporalError } from '@wfb/core/interfaces/temporal-errors.js';
import { workflowIdFor } from '@wfb/core/interfaces/workflow-id.js';
import { createWorkflowTypeCheck } from '@wfb/core/interfaces/workflow-type-check.js';
import type { Logger } from '@wfb/core/logger.js';
import * as nexus from 'nexus-rpc';
import { type InterfaceCall, projectConnectorService } from './contract.js';
import { callerNamespaceOf } from './inbound-links.js';
import type { NexusMetrics } from './nexus-metrics.js';
import type { ConnectorPolicy, InterfacePolicy, PolicySource, ServicePolicy } from './policy-source.js';
import { type ProjectCallReason, reasonKinds, reasonType } from './refusals.js';

/**
 * The target side of every project connector. The endpoint the call came through names the
 * connector; the call is refused unless the connector is active, the caller's namespace (from
 * the request's links) is the connector's source, this worker's namespace is its target, and
 * the interface is allowed and of the operation's type; the input must match the interface's
 * JSON Schema. Then the target workflow is called through `getClient()`.
 *
 * Every failure is a non-retryable HandlerError carrying its reason (an ApplicationFailure of
 * type `wfb.<reason>` as cause), so the caller fails in seconds with a typed error instead of
 * retrying until its timeout; only an unreachable or slow Temporal stays retryable. Each
 * refusal is logged once with its reason and the connector id, and counted in the metrics.
 */
type Operation = 'signal' | 'query' | 'update' | 'start' | 'ping';

const handlerTypes = {
  'not-allowed': 'UNAUTHORIZED',
  'not-found': 'NOT_FOUND',
  'bad-input': 'BAD_REQUEST',
  timeout: 'UPSTREAM_TIMEOUT',
  unavailable: 'UNAVAILABLE',
  failed: 'INTERNAL',
  cancelled: 'INTERNAL',
} as const satisfies Record<(typeof reasonKinds)[ProjectCallReason], nexus.HandlerErrorType>;

export class ProjectCallRefusal extends nexus.HandlerError {
  constructor(
    readonly reason: ProjectCallReason,
    message: string,
  ) {
    const kind = reasonKinds[reason];
    const type = reason === 'already-started' ? 'CONFLICT' : handlerTypes[kind];
    const retryable = kind === 'timeout' || kind === 'unavailable';
    super(type, message, {
      cause: ApplicationFailure.create({ type: reasonType(reason), message, nonRetryable: !retryable }),
      retryableOverride: retryable,
    });
  }
}

export interface ProjectConnectorHandlerDeps {
  policy: PolicySource;
  logger: Logger;
  metrics?: NexusMetrics;
  /** Longest a sync operation waits for the target workflow (Nexus gives a handler ~10 s). */
  callDeadlineMs?: number;
  clock?: () => number;
}

const opTypes: Record<Exclude<Operation, 'ping'>, InterfacePolicy['type']> = {
  signal: 'signal',
  query: 'query',
  update: 'update',
  start: 'start',
};

function failureFor(error: unknown, type: InterfacePolicy['type'], workflowId: string): ProjectCallRefusal {
  if (error instanceof ProjectCallRefusal) return error;
  if (error instanceof WorkflowExecutionAlreadyStartedError) {
    return new ProjectCallRefusal('already-started', `workflow "${workflowId}" is already running`);
  }
  const failure = classifyTemporalError(error, workflowId);
  if (failure.kind === 'deadline')
    return new ProjectCallRefusal('timeout', 'the target workflow did not answer in time');
  if (failure.kind === 'unreachable') return new ProjectCallRefusal('unavailable', 'Temporal is unreachable');
  const { code, message } = failure.error;
  switch (code) {
    case 'NOT_FOUND':
      return new ProjectCallRefusal('workflow-not-found', message);
    case 'UNPROCESSABLE':
      return new ProjectCallRefusal(type === 'update' ? 'update-rejected' : 'query-rejected', message);
    case 'CONFLICT':
      return new ProjectCallRefusal('already-started', message);
    case 'BAD_REQUEST':
      return new ProjectCallRefusal('invalid-input', message);
    case 'TOO_MANY_REQUESTS':
      return new ProjectCallRefusal('unavailable', message);
    default:
      return new ProjectCallRefusal('handler-failed', message);
  }
}

export function createProjectConnectorHandler(deps: ProjectConnectorHandlerDeps) {
  const clock = deps.clock ?? Date.now;
  const callDeadlineMs = deps.callDeadlineMs ?? 8_000;
  const ensureType = createWorkflowTypeCheck({ clock });
  const log = deps.logger.child({ component: 'nexus-handler' });

  /** The connector behind this request, if the caller may use it at all. */
  async function authorize(
    ctx: nexus.StartOperationContext,
    operation: Operation,
    setConnector: (id: string) => void,
  ): Promise<ConnectorPolicy> {
    const info = operationInfo();
    const connector = await deps.policy.byEndpoint(info.endpoint);
    if (connector) setConnector(connector.id);
    const caller = callerNamespaceOf(ctx.inboundLinks);
    const refuse = (reason: ProjectCallReason, message: string) => {
      log.warn(
        { connectorId: connector?.id ?? null, endpoint: info.endpoint, operation, reason, callerNamespace: caller },
        'cross-project call refused',
      );
      return new ProjectCallRefusal(reason, message);
    };
    if (!connector) throw refuse('unknown-endpoint', `no project connector uses endpoint "${info.endpoint}"`);
    if (caller !== connector.sourceNamespace) {
      throw refuse('wrong-caller', `connector "${connector.name}" does not accept calls from this namespace`);
    }
    switch (connector.state) {
      case 'active':
        break;
      case 'revoked':
        throw refuse('revoked', `connector "${connector.name}" was revoked`);
      case 'deleted':
        throw refuse('deleted', `connector "${connector.name}" was deleted`);
      case 'target_deleted':
        throw refuse('target-deleted', `the project connector "${connector.name}" pointed at was deleted`);
      case 'pending_approval':
        throw refuse('pending-approval', `connector "${connector.name}" is not approved`);
    }
    if (connector.targetNamespace !== info.namespace) {
      throw refuse('wrong-target', `connector "${connector.name}" does not target this namespace`);
    }
    return connector;
  }

  function interfaceFor(connector: ConnectorPolicy, operation: Exclude<Operation, 'ping'>, call: InterfaceCall) {
    const refuse = (reason: ProjectCallReason, message: string) => {
      log.warn(
        { connectorId: connector.id, operation, interface: call.interface, reason },
        'cross-project call refused',
      );
      return new ProjectCallRefusal(reason, message);
    };
    const name = typeof call?.interface === 'string' ? call.interface : '';
    if (!connector.allowed.has(name)) {
      throw refuse('interface-not-allowed', `connector "${connector.name}" does not allow interface "${name}"`);
    }
    const service = connector.service;
    if (!service) throw refuse('service-not-found', `the service of connector "${connector.name}" no longer exists`);
    const iface = connector.interfaces.get(name);
    if (!iface) throw refuse('interface-not-found', `interface "${name}" no longer exists`);
    if (iface.type !== opTypes[operation]) {
      throw refuse('wrong-operation', `interface "${name}" is a ${iface.type}; call it with ${iface.type}()`);
    }
    if (iface.broken) throw refuse('handler-failed', iface.broken);
    if (iface.validate && !iface.validate(call.input)) {
      const problems = validationProblems(iface.validate.errors)
        .map((problem) => `${problem.path || '/'} ${problem.message}`)
        .join('; ');
      throw refuse('invalid-input', `input does not match the schema of "${name}": ${problems}`);
    }
    if (call.workflowId !== undefined && (typeof call.workflowId !== 'string' || call.workflowId.length > 255)) {
      throw refuse('invalid-input', 'workflowId must be a string of at most 255 characters');
    }
    return { iface, service };
  }

  function workflowIdOf(service: ServicePolicy, iface: InterfacePolicy, call: InterfaceCall, requestId: string) {
    const params: Record<string, string> =
      service.workflowIdParam && call.workflowId !== undefined ? { [service.workflowIdParam]: call.workflowId } : {};
    if (iface.type !== 'start' && service.fixedWorkflowId === null && call.workflowId === undefined) {
      throw new ProjectCallRefusal('workflow-id-required', `interface "${iface.name}" needs a workflowId`);
    }
    // A retried start (same request id) names the same workflow.
    return workflowIdFor(
      {
        id: iface.id,
        type: iface.type,
        serviceName: service.name,
        fixedWorkflowId: service.fixedWorkflowId,
        workflowIdParam: service.workflowIdParam,
      },
      params,
      `${service.name}-${requestId}`,
    );
  }

  /** Counts and times a call; the outcome is `ok` or the refusal reason. */
  async function observe<T>(operation: Operation, work: (setConnector: (id: string) => void) => Promise<T>) {
    const started = performance.now();
    let connector = 'unknown';
    const record = (outcome: string) =>
      deps.metrics?.call({ connector, operation, outcome }, (performance.now() - started) / 1000);
    try {
      const result = await work((id) => {
        connector = id;
      });
      record('ok');
      return result;
    } catch (error) {
      record(error instanceof ProjectCallRefusal ? error.reason : 'handler-failed');
      throw error;
    }
  }

  async function callInterface(
    ctx: nexus.StartOperationContext,
    operation: 'signal' | 'query' | 'update',
    call: InterfaceCall,
  ) {
    return observe(operation, async (setConnector) => {
      const connector = await authorize(ctx, operation, setConnector);
      const { iface, service } = interfaceFor(connector, operation, call);
      const workflowId = workflowIdOf(service, iface, call, ctx.requestId);
      const client = getClient();
      const temporalCall: TemporalCall = {
        namespace: operationInfo().namespace,
        type: iface.type,
        workflowId,
        callableName: iface.callableName,
        workflowType: service.workflowType,
        taskQueue: service.taskQueue,
        input: call.input,
        // Sync handlers may run more than once: the update id derives from the request id.
        idempotencyKey: operation === 'update' ? ctx.requestId : undefined,
        requestFingerprint: undefined,
        checkWorkflowType: service.workflowIdParam !== null,
      };
      const deadline = Math.min(clock() + callDeadlineMs, (ctx.requestDeadline?.getTime() ?? Infinity) - 250);
      try {
        const outcome = await client.withDeadline(deadline, () => perform(client, temporalCall, ensureType));
        return { workflowId, result: outcome.body.result ?? null };
      } catch (error) {
        throw failureFor(error, iface.type, workflowId);
      }
    });
  }

  return nexus.serviceHandler(projectConnectorService, {
    signal: async (ctx, call) => {
      const outcome = await callInterface(ctx, 'signal', call);
      return { workflowId: outcome.workflowId };
    },
    query: (ctx, call) => callInterface(ctx, 'query', call),
    update: (ctx, call) => callInterface(ctx, 'update', call),
    start: new WorkflowRunOperationHandler<InterfaceCall, unknown>((ctx, call) =>
      observe('start', async (setConnector) => {
        const connector = await authorize(ctx, 'start', setConnector);
        const { iface, service } = interfaceFor(connector, 'start', call);
        const workflowId = workflowIdOf(service, iface, call, ctx.requestId);
        try {
          return await startWorkflow(ctx, service.workflowType, {
            workflowId,
            taskQueue: service.taskQueue,
            args: call.input === undefined ? [] : [call.input],
          });
        } catch (error) {
          throw failureFor(error, 'start', workflowId);
        }
      }),
    ),
    ping: (ctx) =>
      observe('ping', async (setConnector) => {
        const connector = await authorize(ctx, 'ping', setConnector);
        return { connectorId: connector.id, namespace: operationInfo().namespace };
      }),
  });
}
