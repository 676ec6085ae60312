import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import type { Logger } from '../logger.js';

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
  ensureNamespace(namespace: string): Promise<void>;
  close(): Promise<void>;
}

export function createTemporalClients(options: { address: string; logger: Logger }): TemporalClients {
  let connecting: Promise<Connection> | undefined;
  const clients = new Map<string, Client>();

  function connection(): Promise<Connection> {
    if (!connecting) {
      connecting = Connection.connect({ address: options.address, connectTimeout: 5_000 }).catch((error: unknown) => {
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
      await conn.workflowService.getSystemInfo({});
    },
    async ensureNamespace(namespace) {
      const conn = await connection();
      try {
        await conn.workflowService.describeNamespace({ namespace });
        return;
      } catch (error) {
        if ((error as { code?: number }).code !== 5) throw error;
      }
      try {
        await conn.workflowService.registerNamespace({
          namespace,
          workflowExecutionRetentionPeriod: msToTs('3 days'),
        });
        options.logger.info({ namespace }, 'registered temporal namespace');
      } catch (error) {
        // 6 = ALREADY_EXISTS: another instance won the race, which is fine.
        if ((error as { code?: number }).code !== 6) throw error;
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
