import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@wfb/core/logger.js';
import type { App } from '../app.js';
import type { AuthUser } from '../auth/jwt.js';
import { withUserTransaction } from '../db/tx.js';

/**
 * The dev command's HTTP-step demo: a small echo API on 127.0.0.1 (it answers every
 * request with what it received, and logs each one with the injected key masked), a
 * `demo-echo` connector in the demo project holding a demo API key, and the command that
 * starts the example `connectorDemoWorkflow` against it. The control plane reaches the
 * echo API only because the dev command allow-lists 127.0.0.1/32 (OUTBOUND_ALLOW_CIDRS);
 * nothing else does by default.
 */
export const demoConnectorName = 'demo-echo';
const demoKeyHeader = 'X-Demo-Key';
const demoKey = 'demo-key-injected-by-the-control-plane';

export interface DemoEcho {
  origin: string;
  close(): Promise<void>;
}

export async function startDemoEcho(logger: Logger): Promise<DemoEcho> {
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const key = request.headers[demoKeyHeader.toLowerCase()];
      const shown = typeof key === 'string' ? `${key.slice(0, 8)}… (injected)` : 'absent';
      logger.info({ method: request.method, path: request.url, [demoKeyHeader]: shown }, 'demo echo API received');
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          method: request.method,
          path: request.url,
          headers: request.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** OUTBOUND_ALLOW_CIDRS plus loopback: the dev command's echo API lives there. */
export function withLoopback(cidrs: string): string {
  const list = cidrs
    .split(',')
    .map((cidr) => cidr.trim())
    .filter((cidr) => cidr.length > 0);
  return [...new Set([...list, '127.0.0.1/32'])].join(',');
}

/**
 * Creates (or points at the new echo port) the `demo-echo` connector and returns the lines
 * the dev command prints. The echo port changes each run, so an existing connector is moved.
 */
export async function seedHttpDemo(options: {
  app: Pick<App, 'database' | 'services'>;
  userId: string;
  projectId: string;
  echo: DemoEcho;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  temporalCli: string;
}): Promise<string[]> {
  const user: AuthUser = {
    id: options.userId,
    email: undefined,
    claims: { sub: options.userId, role: 'authenticated' },
  };
  const baseUrl = `${options.echo.origin}/v1`;
  const auth = { type: 'api_key', placement: 'header', name: demoKeyHeader, apiKey: demoKey } as const;
  await withUserTransaction(options.app.database.db, user.claims, async (tx) => {
    const { connectors } = options.app.services;
    const existing = (await connectors.list(tx, user, { projectId: options.projectId })).find(
      (connector) => connector.name === demoConnectorName,
    );
    if (existing) await connectors.update(tx, user, { id: existing.id, baseUrl, auth });
    else {
      await connectors.create(tx, user, {
        projectId: options.projectId,
        name: demoConnectorName,
        baseUrl,
        auth,
        enabled: true,
        defaultHeaders: {},
        timeoutMs: 10_000,
        maxRetries: 2,
        retryBackoffMs: 200,
        testPath: '/',
      });
    }
  });
  const input = JSON.stringify({ connector: demoConnectorName, orderId: 'demo-order-1' });
  return [
    `A workflow calling an outside API through the "${demoConnectorName}" connector (key injected by the control plane):`,
    `  ${options.temporalCli} workflow execute --address ${options.temporalAddress} --namespace ${options.namespace} --task-queue ${options.taskQueue} --type connectorDemoWorkflow --input '${input}'`,
    `  The echo API at ${options.echo.origin} logs each call it receives ("demo echo API received", key masked);`,
    '  the workflow result shows the echoed key as "[redacted]": the secret never enters the worker or the history.',
  ];
}
