import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { loadTestServerEnv } from '@wfb/worker/env.js';
import { findFreePorts } from '@wfb/worker/testing/free-port.js';
import { startTemporalDevServer, type TemporalDevServer } from '@wfb/worker/testing/temporal-dev-server.js';
import { generateKeySpecEntry } from '../src/crypto/key-ring.js';
import { createScratchPostgres, type TestDatabase } from '../test/databases.js';
import { type BenchProcess, onInterrupt, spawnLogged } from './bench-processes.js';

/**
 * What `bench:gateway` measures against, each part in its own process as users run it: a
 * Temporal dev server, the example worker (`packages/worker/src/main.ts`) and the API
 * (`packages/workflow-builder/src/main.ts`) at the production log level, logging to files
 * under .cache/bench/. With BENCH_DATABASE_URL or TEST_DATABASE_URL the API runs with
 * NODE_ENV=production on a scratch Postgres database; without, in development on PGlite.
 */
export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
export const benchLogDir = join(repoRoot, '.cache', 'bench');

export interface GatewayStand {
  temporalAddress: string;
  apiUrl: string;
  api: BenchProcess;
  worker: BenchProcess;
  /** bare-gateway.ts: the same Temporal query behind node:http and nothing else. */
  bare: BenchProcess;
  bareUrl: string;
  jwtSecret: string;
  /** How the API runs, for the report: mode, database, log level. */
  description: string;
  close(): Promise<void>;
}

export interface GatewayStandOptions {
  namespace: string;
  taskQueue: string;
  logLevel: string;
  /** Writes a V8 CPU profile of the API process into this directory when it exits. */
  cpuProfileDir?: string | undefined;
  /** Extra environment for the API process (e.g. ACCESS_LOG). */
  apiEnv?: Record<string, string>;
  /** A checkout (with node_modules) whose API to run instead of this one's. */
  apiRoot?: string | undefined;
}

/** Levels at which Fastify logs its "listening at" line, which is how the bench learns the port. */
const logsListening = new Set(['info', 'debug', 'trace']);

/** Below info the API says nothing on startup: it gets a free port and the bench polls /healthz. */
async function healthy(api: BenchProcess, url: string, timeoutMs = 120_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && api.child.exitCode === null) {
    const status = await fetch(`${url}/healthz`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return url;
    await sleep(200);
  }
  throw new Error(`the API did not answer ${url}/healthz; see ${api.logPath}`);
}

const secret = (bytes: number) => randomBytes(bytes).toString('base64url');

/**
 * Stops everything started so far, last first, each once (an interrupt and the bench's own
 * `finally` may both get here); cleanup failures must not hide the bench's own error.
 */
async function closeAll(closers: Array<() => Promise<void>>): Promise<void> {
  for (let close = closers.pop(); close; close = closers.pop()) {
    await close().catch((error: unknown) => process.stderr.write(`cleanup failed: ${String(error)}\n`));
  }
}

export async function startGatewayStand(options: GatewayStandOptions): Promise<GatewayStand> {
  mkdirSync(benchLogDir, { recursive: true });
  const closers: Array<() => Promise<void>> = [];
  const unregister = onInterrupt(() => closeAll(closers));
  try {
    const temporal: TemporalDevServer = await startTemporalDevServer({
      namespaces: [options.namespace],
      cliPath: loadTestServerEnv().cliPath,
    });
    closers.push(() => temporal.stop());

    const worker = spawnLogged({
      name: 'worker',
      args: ['--import', 'tsx', 'packages/worker/src/main.ts'],
      cwd: repoRoot,
      env: {
        TEMPORAL_ADDRESS: temporal.address,
        TEMPORAL_NAMESPACES: options.namespace,
        TASK_QUEUE: options.taskQueue,
        LOG_LEVEL: 'info',
      },
      logPath: join(benchLogDir, 'gateway-worker.log'),
    });
    closers.push(() => worker.stop());

    const bare = spawnLogged({
      name: 'bare-gateway',
      args: ['--import', 'tsx', 'packages/workflow-builder/bench/bare-gateway.ts'],
      cwd: repoRoot,
      env: { TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: options.namespace },
      logPath: join(benchLogDir, 'gateway-bare.log'),
    });
    closers.push(() => bare.stop());

    const jwtSecret = secret(32);
    const port = logsListening.has(options.logLevel) ? 0 : ((await findFreePorts(1))[0] ?? 0);
    const common = {
      LOG_LEVEL: options.logLevel,
      HOST: '127.0.0.1',
      PORT: String(port),
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_ALLOWED_NAMESPACES: options.namespace,
      SUPABASE_JWT_SECRET: jwtSecret,
      API_KEY_PEPPER: secret(32),
      API_KEY_ENV: 'bench',
      ENCRYPTION_KEYS: generateKeySpecEntry('bench'),
      METRICS_TOKEN: secret(24),
    };
    const serverUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
    let modeEnv: Record<string, string>;
    let description: string;
    if (serverUrl) {
      const database: TestDatabase = await createScratchPostgres(serverUrl, 'wfb_bench');
      closers.push(() => database.close());
      if (!database.url || !database.adminUrl) throw new Error('scratch Postgres database has no URLs');
      modeEnv = { NODE_ENV: 'production', DATABASE_URL: database.url, DATABASE_ADMIN_URL: database.adminUrl };
      description = `NODE_ENV=production, Postgres (scratch database on ${new URL(serverUrl).host})`;
    } else {
      const dataDir = mkdtempSync(join(tmpdir(), 'wfb-bench-'));
      closers.push(async () => rmSync(dataDir, { recursive: true, force: true }));
      modeEnv = { NODE_ENV: 'development', DATA_DIR: dataDir };
      description = 'NODE_ENV=development, PGlite (set TEST_DATABASE_URL or BENCH_DATABASE_URL for Postgres)';
    }
    const profileArgs = options.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir] : [];
    const api = spawnLogged({
      name: 'api',
      args: [...profileArgs, '--import', 'tsx', 'packages/workflow-builder/src/main.ts'],
      cwd: options.apiRoot ?? repoRoot,
      env: { ...common, ...modeEnv, ...options.apiEnv },
      logPath: join(benchLogDir, 'gateway-api.log'),
    });
    closers.push(() => api.stop());

    const apiUrl =
      port === 0
        ? (await api.waitForLog(/listening at (http:\/\/127\.0\.0\.1:\d+)/))[1]
        : await healthy(api, `http://127.0.0.1:${port}`);
    if (!apiUrl) throw new Error('could not read the API address from its log');
    await worker.waitForLog(/workers running/);
    const [, bareUrl] = await bare.waitForLog(/listening at (http:\/\/127\.0\.0\.1:\d+)/);
    if (!bareUrl) throw new Error('could not read the bare gateway address from its log');
    return {
      temporalAddress: temporal.address,
      apiUrl,
      api,
      worker,
      bare,
      bareUrl,
      jwtSecret,
      description: `${options.apiRoot ? `API of ${options.apiRoot}, ` : ''}${description}, LOG_LEVEL=${options.logLevel}${
        options.apiEnv?.ACCESS_LOG === 'true' ? ', ACCESS_LOG=true' : ''
      } to ${api.logPath}`,
      close: async () => {
        unregister();
        await closeAll(closers);
      },
    };
  } catch (error) {
    unregister();
    await closeAll(closers);
    throw error;
  }
}
