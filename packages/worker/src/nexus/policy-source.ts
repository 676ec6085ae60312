import { type ChangeFeed, createChangeFeed } from '@wfb/core/db/change-feed.js';
import type { Database } from '@wfb/core/db/driver.js';
import type { InputValidator, SchemaCompiler } from '@wfb/core/interfaces/json-schema.js';
import type { Logger } from '@wfb/core/logger.js';
import {
  type ConnectorPolicyRow,
  type ConnectorPolicyState,
  loadConnectorPolicies,
  policyChannels,
} from '@wfb/core/nexus/connector-policy.store.js';

/**
 * Every project connector's policy, in memory: the handler and the caller check answer
 * with map lookups, no database round trip. Source: the read-only view
 * `wfb_worker.connector_policy` (role `wfb_worker`: select on two views, LISTEN, nothing
 * else). Kept current by change feeds: a connector change, an endpoint the controller
 * provisioned, a service or interface change each reload the view (connectors are few; a
 * reload is one query), as does a timer and every LISTEN reconnect. While a LISTEN
 * connection is down the cache is not trusted: each lookup reloads first, so a revocation
 * holds on the next call even then (or the call fails as unavailable, never allowed).
 */
export interface InterfacePolicy {
  id: string;
  name: string;
  type: 'signal' | 'query' | 'update' | 'start';
  callableName: string | null;
  validate: InputValidator | undefined;
  /** Why calls cannot be validated (a stored schema that no longer compiles). */
  broken: string | undefined;
}

export interface ServicePolicy {
  name: string;
  workflowType: string;
  taskQueue: string;
  fixedWorkflowId: string | null;
  workflowIdParam: string | null;
}

export interface ConnectorPolicy {
  id: string;
  name: string;
  sourceNamespace: string;
  targetNamespace: string | null;
  endpointName: string | null;
  endpointReady: boolean;
  state: ConnectorPolicyState;
  service: ServicePolicy | null;
  allowed: ReadonlySet<string>;
  /** Allowed interfaces that exist, by name. */
  interfaces: ReadonlyMap<string, InterfacePolicy>;
  createdAt: number;
}

export interface PolicySource {
  start(): Promise<void>;
  stop(): Promise<void>;
  byEndpoint(endpointName: string): Promise<ConnectorPolicy | undefined>;
  byCaller(namespace: string, connectorName: string): Promise<ConnectorPolicy | undefined>;
  /** Resolves once every change announced so far is loaded (tests). */
  settled(): Promise<void>;
}

export interface PolicySourceOptions {
  database: Pick<Database, 'db' | 'listen'>;
  logger: Logger;
  schemas: SchemaCompiler;
  healIntervalMs?: number;
}

function toInterface(row: ConnectorPolicyRow['interfaces'][number], schemas: SchemaCompiler): InterfacePolicy {
  let validate: InputValidator | undefined;
  let broken: string | undefined;
  if (row.inputSchema !== null && row.inputSchema !== undefined) {
    try {
      validate = schemas.compile(row.inputSchema);
    } catch (error) {
      broken = `input schema does not compile: ${error instanceof Error ? error.message : 'unknown'}`;
    }
  }
  return { id: row.id, name: row.name, type: row.type, callableName: row.callableName, validate, broken };
}

export function toPolicy(row: ConnectorPolicyRow, schemas: SchemaCompiler): ConnectorPolicy {
  const service =
    row.service_name && row.workflow_type && row.task_queue
      ? {
          name: row.service_name,
          workflowType: row.workflow_type,
          taskQueue: row.task_queue,
          fixedWorkflowId: row.workflow_id_mode === 'fixed' ? row.fixed_workflow_id : null,
          workflowIdParam: row.workflow_id_mode === 'path_param' ? row.workflow_id_param : null,
        }
      : null;
  return {
    id: row.id,
    name: row.name,
    sourceNamespace: row.source_namespace,
    targetNamespace: row.target_namespace,
    endpointName: row.endpoint_name,
    endpointReady: row.endpoint_ready,
    state: row.state,
    service,
    allowed: new Set(row.allowed_interfaces),
    interfaces: new Map(row.interfaces.map((entry) => [entry.name, toInterface(entry, schemas)])),
    createdAt: new Date(row.created_at).getTime(),
  };
}

/** One connector per key: a live one over tombstones, then the newest (as the controller picks). */
function prefer(current: ConnectorPolicy | undefined, next: ConnectorPolicy): ConnectorPolicy {
  if (!current) return next;
  const live = (policy: ConnectorPolicy) => (policy.state === 'deleted' ? 0 : 1);
  if (live(next) !== live(current)) return live(next) > live(current) ? next : current;
  return next.createdAt > current.createdAt ? next : current;
}

interface Snapshot {
  byEndpoint: Map<string, ConnectorPolicy>;
  byCaller: Map<string, ConnectorPolicy>;
}

const callerKey = (namespace: string, name: string) => `${namespace}\n${name}`;

export function createPolicySource(options: PolicySourceOptions): PolicySource {
  const log = options.logger.child({ component: 'nexus-policy' });
  let snapshot: Snapshot = { byEndpoint: new Map(), byCaller: new Map() };
  let loading: Promise<void> | undefined;

  async function reload(): Promise<void> {
    const rows = await loadConnectorPolicies(options.database.db);
    const next: Snapshot = { byEndpoint: new Map(), byCaller: new Map() };
    for (const row of rows) {
      const policy = toPolicy(row, options.schemas);
      if (policy.endpointName) {
        next.byEndpoint.set(policy.endpointName, prefer(next.byEndpoint.get(policy.endpointName), policy));
      }
      const key = callerKey(policy.sourceNamespace, policy.name);
      next.byCaller.set(key, prefer(next.byCaller.get(key), policy));
    }
    snapshot = next;
  }

  /** Single flight: calls that arrive while the LISTEN connection is down share one reload. */
  function reloadOnce(): Promise<void> {
    loading ??= reload().finally(() => {
      loading = undefined;
    });
    return loading;
  }

  const main: ChangeFeed = createChangeFeed({
    database: options.database,
    channel: policyChannels.connectors,
    logger: log,
    reload: () => reload(),
    healIntervalMs: options.healIntervalMs ?? 60_000,
  });
  const followers = [policyChannels.endpoints, policyChannels.routes].map((channel) =>
    createChangeFeed({
      database: options.database,
      channel,
      logger: log,
      onChange: () => main.schedule(undefined),
    }),
  );
  const feeds = [main, ...followers];

  async function current(): Promise<Snapshot> {
    if (feeds.every((feed) => feed.listening)) return snapshot;
    await reloadOnce();
    return snapshot;
  }

  return {
    async start() {
      for (const feed of followers) await feed.start();
      await main.start();
      log.info({ connectors: snapshot.byCaller.size }, 'nexus connector policy loaded');
    },
    async stop() {
      for (const feed of feeds) await feed.stop();
    },
    async byEndpoint(endpointName) {
      return (await current()).byEndpoint.get(endpointName);
    },
    async byCaller(namespace, connectorName) {
      return (await current()).byCaller.get(callerKey(namespace, connectorName));
    },
    async settled() {
      await main.settled();
    },
  };
}
