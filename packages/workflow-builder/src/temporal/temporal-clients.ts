import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { AppError } from '@wfb/core/errors.js';
import type { Logger } from '@wfb/core/logger.js';

/**
 * One gRPC connection per process, shared by a client per namespace: connections are
 * expensive and multiplex well, while a Temporal client is bound to one namespace.
 * The connection is opened lazily and reopened after a failed attempt, so the server
 * starts (and reports not-ready) while Temporal is down.
 */
export interface TemporalClients {
  readonly address: string;
  connection(): Promise<Connection>;
  client(namespace: string): Promise<Client>;
  ping(): Promise<void>;
  /**
   * Registers `namespace` (marked as ours) unless it exists. An existing namespace is
   * accepted only when it carries our mark or `adopt` is set (operator allow-list):
   * otherwise a tenant could claim some other system's namespace and drive its workflows.
   */
  ensureNamespace(namespace: string, options?: { adopt?: boolean }): Promise<void>;
  close(): Promise<void>;
}

const callDeadlineMs = 5_000;
const grpcNotFound = 5;
const grpcAlreadyExists = 6;
/** Namespace data key that marks a namespace as registered by this deployment. */
const managedMark = 'wfb-managed';

export function createTemporalClients(options: { address: string; logger: Logger }): TemporalClients {
  let connecting: Promise<Connection> | undefined;
  const clients = new Map<string, Client>();

  function connection(): Promise<Connection> {
    if (!connecting) {
      // No SDK-level gRPC retry interceptor: the gateway answers 503 + Retry-After itself and
      // every call already has a deadline; the SDK's retries would only hide an outage
      // inside that deadline, and their timers fire after close() on a shut-down channel.
      connecting = Connection.connect({
        address: options.address,
        connectTimeout: 5_000,
        interceptors: [],
      }).catch((error: unknown) => {
        connecting = undefined;
        throw error;
      });
    }
    return connecting;
  }

  return {
    address: options.address,
    connection,
    async client(namespace) {
      const existing = clients.get(namespace);
      if (existing) return existing;
      const created = new Client({ connection: await connection(), namespace });
      clients.set(namespace, created);
      return created;
    },
    async ping() {
      const conn = await connection();
      await conn.withDeadline(Date.now() + callDeadlineMs, () => conn.workflowService.getSystemInfo({}));
    },
    async ensureNamespace(namespace, ensureOptions = {}) {
      const conn = await connection();
      const withDeadline = <T>(call: () => Promise<T>) => conn.withDeadline(Date.now() + callDeadlineMs, call);
      const refuseForeign = () =>
        new AppError(
          'CONFLICT',
          `Temporal namespace "${namespace}" already exists and is not managed by this deployment`,
        );
      try {
        const described = await withDeadline(() => conn.workflowService.describeNamespace({ namespace }));
        const data = described.namespaceInfo?.data ?? {};
        if (!ensureOptions.adopt && data[managedMark] !== 'true') throw refuseForeign();
        return;
      } catch (error) {
        if ((error as { code?: number }).code !== grpcNotFound) throw error;
      }
      try {
        await withDeadline(() =>
          conn.workflowService.registerNamespace({
            namespace,
            description: 'registered by the workflow builder control plane',
            workflowExecutionRetentionPeriod: msToTs('3 days'),
            data: { [managedMark]: 'true' },
          }),
        );
        options.logger.info({ namespace }, 'registered temporal namespace');
      } catch (error) {
        if ((error as { code?: number }).code !== grpcAlreadyExists) throw error;
        // Another instance won the race; it must have been one of ours.
        const described = await withDeadline(() => conn.workflowService.describeNamespace({ namespace }));
        if (!ensureOptions.adopt && described.namespaceInfo?.data?.[managedMark] !== 'true') throw refuseForeign();
      }
    },
    async close() {
      const pending = connecting;
      connecting = undefined;
      clients.clear();
      if (pending) await (await pending.catch(() => undefined))?.close();
    },
  };
}
