import type { Database } from '@wfb/core/db/driver.js';
import { AppError } from '@wfb/core/errors.js';
import type { SafeDispatcher } from '../../net/safe-dispatcher.js';
import { type SafeResponse, safeFetch } from '../../net/safe-fetch.js';
import type { AuditActor } from '../audit/audit.store.js';
import { findProjectByNamespace } from '../projects/projects.store.js';
import { credentialAndFramingHeaders } from './authorized-fetch.js';
import type { ConnectorCalls } from './connector-calls.js';
import { findConnectorByName } from './connectors.store.js';
import { toEgressFailure } from './egress-failure.js';
import type { UsageAudit } from './usage-audit.js';

/**
 * The workers' egress: every outbound call a workflow makes (`http()`, `webhook()`) comes
 * here, so there is one SSRF policy, one response size cap and one audit trail for all of
 * them, and secrets never enter the worker. The caller is a workload (authenticated at the
 * edge), not a user: the call is bound to the project that owns the workflow's Temporal
 * namespace, and a connector is looked up by name within that project only. No retries
 * here: the activity is retried by Temporal, where each attempt is visible and survives a
 * crash. Every injected credential the upstream echoes back is redacted from the response.
 */
export interface EgressCall {
  namespace: string;
  /** A connector's name in the namespace's project; or `url` for a raw-URL webhook. */
  connector?: string | undefined;
  url?: string | undefined;
  method: string;
  path?: string | undefined;
  query?: Record<string, string | readonly string[]> | undefined;
  headers?: Record<string, string> | undefined;
  body?: Uint8Array | undefined;
  timeoutMs?: number | undefined;
}

/** The connector's own retry settings, which a step uses when it names none. */
export interface EgressPolicy {
  timeoutMs: number;
  maxRetries: number;
  retryBackoffMs: number;
}

export interface EgressResult {
  response: SafeResponse;
  policy: EgressPolicy | null;
}

export interface EgressDeps {
  database: Database;
  connectorCalls: ConnectorCalls;
  dispatcher: SafeDispatcher;
  usage: UsageAudit;
  maxResponseBytes: number;
  /** Plain-http raw URLs are refused in production, as connector URLs are. */
  allowInsecureHttp: boolean;
}

const workerActor: AuditActor = { type: 'system', id: 'worker' };
const defaultUrlTimeoutMs = 30_000;
const reservedHeaders = new Set([...credentialAndFramingHeaders, 'expect']);

export function createEgress(deps: EgressDeps) {
  async function projectOf(namespace: string) {
    const project = await findProjectByNamespace(deps.database.db, namespace);
    if (!project) {
      throw new AppError('FORBIDDEN', `no project owns the Temporal namespace "${namespace}"`, {
        details: { namespace },
      });
    }
    return project;
  }

  async function viaConnector(projectId: string, name: string, call: EgressCall): Promise<EgressResult> {
    const connector = await findConnectorByName(deps.database.db, projectId, name);
    if (!connector) {
      throw new AppError('NOT_FOUND', `connector "${name}" not found in this project`, {
        details: { connector: name },
      });
    }
    if (!connector.enabled) {
      throw new AppError('PRECONDITION_FAILED', `connector "${name}" is disabled`, { details: { connector: name } });
    }
    if (connector.auth_status !== 'ready') {
      const what = connector.auth_status === 'needs_reauth' ? 'needs re-authorisation' : 'is not authorised yet';
      throw new AppError(
        'PRECONDITION_FAILED',
        `connector "${name}" ${what}: run its OAuth authorisation in the builder`,
        {
          details: { connector: name, authStatus: connector.auth_status },
        },
      );
    }
    const policy = {
      timeoutMs: connector.timeout_ms,
      maxRetries: connector.max_retries,
      retryBackoffMs: connector.retry_backoff_ms,
    };
    try {
      const response = await deps.connectorCalls.callForProject(workerActor, projectId, connector.id, {
        method: call.method,
        path: call.path ?? '/',
        ...(call.query && { query: call.query }),
        ...(call.headers && { headers: call.headers }),
        ...(call.body && { body: call.body }),
        timeoutMs: call.timeoutMs ?? connector.timeout_ms,
        retry: { maxRetries: 0 },
        maxResponseBytes: deps.maxResponseBytes,
        redactCredentials: true,
      });
      return { response, policy };
    } catch (error) {
      throw toEgressFailure(error, name, policy);
    }
  }

  async function viaUrl(projectId: string, url: string, call: EgressCall): Promise<EgressResult> {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      throw new AppError('BAD_REQUEST', 'url is not a valid absolute URL', { details: { field: 'url' } });
    }
    if (target.protocol === 'http:' && !deps.allowInsecureHttp) {
      throw new AppError('BAD_REQUEST', 'url must use https', { details: { field: 'url' } });
    }
    if (target.username || target.password) {
      throw new AppError('BAD_REQUEST', 'url must not carry credentials; use a connector', {
        details: { field: 'url' },
      });
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(call.headers ?? {})) {
      if (!reservedHeaders.has(name.toLowerCase())) headers[name.toLowerCase()] = value;
    }
    const event = { projectId, connectorId: target.origin, connectorName: target.origin, actor: workerActor };
    try {
      const response = await safeFetch(
        target,
        { method: call.method, headers, ...(call.body && { body: call.body }) },
        {
          dispatcher: deps.dispatcher,
          timeoutMs: call.timeoutMs ?? defaultUrlTimeoutMs,
          maxResponseBytes: deps.maxResponseBytes,
          retry: { maxRetries: 0 },
        },
      );
      deps.usage.record({ ...event, target: 'url', outcome: response.status });
      return { response, policy: null };
    } catch (error) {
      deps.usage.record({ ...event, target: 'url', outcome: error instanceof AppError ? error.code : 'ERROR' });
      throw error;
    }
  }

  return {
    async call(call: EgressCall): Promise<EgressResult> {
      if ((call.connector === undefined) === (call.url === undefined)) {
        throw new AppError('BAD_REQUEST', 'name exactly one of connector and url');
      }
      try {
        const project = await projectOf(call.namespace);
        if (call.connector !== undefined) return await viaConnector(project.id, call.connector, call);
        return await viaUrl(project.id, call.url ?? '', call);
      } catch (error) {
        throw toEgressFailure(error, call.connector, null);
      }
    },
  };
}

export type Egress = ReturnType<typeof createEgress>;
