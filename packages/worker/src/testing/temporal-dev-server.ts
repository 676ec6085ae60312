import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { findFreePorts } from './free-port.js';
import { type CliLogger, resolveTemporalCli } from './resolve-temporal-cli.js';

/**
 * A real Temporal dev server for tests, benchmarks and the local demo. It is spawned from
 * the CLI instead of @temporalio/testing because that helper downloads its binary and gives
 * up after 5 s; here the binary is local and startup is awaited for up to a minute.
 */
export interface TemporalDevServerOptions {
  /** Created at launch; "default" always exists. */
  namespaces: readonly string[];
  /** Skips the install script; callers read TEMPORAL_CLI_PATH through env.ts and pass it here. */
  cliPath?: string;
  logger?: CliLogger;
  /** Serves the Web UI too; off by default because tests never need it. */
  ui?: boolean;
  readyTimeoutMs?: number;
}

export interface TemporalDevServer {
  address: string;
  httpPort: number;
  uiPort?: number;
  namespaces: string[];
  /** Milliseconds from spawn until every namespace answered. */
  startupMs: number;
  stop(): Promise<void>;
}

const host = '127.0.0.1';
const stderrLinesKept = 30;
const bindAttempts = 3;
const killGraceMs = 10_000;

class EarlyExitError extends Error {}

interface Spawned {
  child: ChildProcess;
  exited: Promise<void>;
  stderrTail: string[];
}

function spawnServer(cliPath: string, args: string[], logger: CliLogger | undefined): Spawned {
  const child = spawn(cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderrTail: string[] = [];
  const { stdout, stderr } = child;
  if (stdout) createInterface({ input: stdout }).on('line', (line) => logger?.debug({ stream: 'stdout' }, line));
  if (stderr) {
    createInterface({ input: stderr }).on('line', (line) => {
      stderrTail.push(line);
      if (stderrTail.length > stderrLinesKept) stderrTail.shift();
      logger?.debug({ stream: 'stderr' }, line);
    });
  }
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (error) => {
      stderrTail.push(`spawn error: ${error.message}`);
      resolve();
    });
  });
  return { child, exited, stderrTail };
}

async function namespacesAnswer(address: string, namespaces: readonly string[]): Promise<void> {
  // lazy + finally: a failed connect() would otherwise leak a channel that keeps node alive.
  const connection = Connection.lazy({ address, connectTimeout: 2_000 });
  try {
    await connection.ensureConnected();
    for (const namespace of namespaces) await connection.workflowService.describeNamespace({ namespace });
  } finally {
    await connection.close();
  }
}

async function waitUntilReady(
  server: Spawned,
  address: string,
  namespaces: readonly string[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void server.exited.then(() => {
    exited = true;
  });
  let lastError = 'none';
  while (Date.now() < deadline) {
    if (exited) throw new EarlyExitError(`exited with ${server.child.exitCode ?? server.child.signalCode}`);
    try {
      await namespacesAnswer(address, namespaces);
      return;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await sleep(100);
  }
  throw new Error(`not ready within ${timeoutMs} ms (last error: ${lastError})`);
}

async function stopProcess(server: Spawned): Promise<void> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  // Unref'd so the grace timer never holds the process open after a prompt exit.
  const graceful = await Promise.race([server.exited.then(() => true), sleep(killGraceMs, false, { ref: false })]);
  if (!graceful) {
    child.kill('SIGKILL');
    await server.exited;
  }
}

export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const { logger, ui = false, readyTimeoutMs = 60_000 } = options;
  const namespaces = [...new Set(options.namespaces)];
  const cliPath = await resolveTemporalCli({ cliPath: options.cliPath, logger });

  for (let attempt = 1; ; attempt += 1) {
    const [port, httpPort, uiPort] = await findFreePorts(ui ? 3 : 2, host);
    if (port === undefined || httpPort === undefined) throw new Error('could not reserve ports for the dev server');
    const address = `${host}:${port}`;
    const args = ['server', 'start-dev', '--ip', host, '--port', String(port), '--http-port', String(httpPort)];
    args.push(...(ui && uiPort !== undefined ? ['--ui-port', String(uiPort)] : ['--headless']));
    args.push('--log-level', 'warn');
    for (const namespace of namespaces) if (namespace !== 'default') args.push('--namespace', namespace);

    const started = Date.now();
    const server = spawnServer(cliPath, args, logger);
    // A crashed test runner must not leave a server holding ports behind.
    const killOnExit = (): void => {
      server.child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    try {
      await waitUntilReady(server, address, namespaces, readyTimeoutMs);
    } catch (error) {
      process.removeListener('exit', killOnExit);
      await stopProcess(server);
      const stderr = server.stderrTail.join('\n');
      const portTaken = /address already in use/i.test(stderr);
      if (error instanceof EarlyExitError && portTaken && attempt < bindAttempts) {
        logger?.warn({ address, attempt }, 'dev server port was taken, retrying with new ports');
        continue;
      }
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `Temporal dev server (${cliPath}) at ${address} failed: ${reason}\nlast stderr lines:\n${stderr}`,
      );
    }

    const startupMs = Date.now() - started;
    logger?.info({ address, httpPort, namespaces, startupMs }, 'temporal dev server ready');
    let stopping: Promise<void> | undefined;
    return {
      address,
      httpPort,
      ...(ui && uiPort !== undefined ? { uiPort } : {}),
      namespaces,
      startupMs,
      stop: () => {
        stopping ??= stopProcess(server).finally(() => process.removeListener('exit', killOnExit));
        return stopping;
      },
    };
  }
}
