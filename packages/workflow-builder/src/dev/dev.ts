import { createLogger } from '@wfb/core/logger.js';
import { runFleet } from '@wfb/worker/fleet/run-fleet.js';
import { startTemporalDevServer, type TemporalDevServer } from '@wfb/worker/testing/temporal-dev-server.js';
import { createApp } from '../app.js';
import { loadOrCreateDevSecret } from '../auth/dev-secrets.js';
import { mintToken } from '../auth/jwt.js';
import { EnvError, loadEnv } from '../env.js';
import { publicBaseUrlOf } from '../settings.js';
import { seedCrossProjectDemo } from './demo-cross-project.js';
import { seedHttpDemo, startDemoEcho, withLoopback } from './demo-http.js';
import { demoDefaults, seedDemo } from './demo-seed.js';

/**
 * Quickstart command 1: the whole stack on embedded defaults in one process tree.
 * PGlite under DATA_DIR, a Temporal dev server (unless TEMPORAL_ADDRESS names one), the
 * worker fleet (example services + the cross-project Nexus handler in every project's
 * namespace), the API, a seeded demo project whose curl is printed, and a second project
 * with an approved connector to it, whose cross-project call is printed as a command.
 */
const devUserId = '00000000-0000-4000-8000-000000000001';

async function main(): Promise<void> {
  const env = loadEnv();
  if (env.NODE_ENV === 'production') throw new Error('the dev command is for local use; run src/main.ts in production');
  const logger = createLogger({ level: env.LOG_LEVEL });
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((error: unknown) => logger.error({ err: error }));
  };
  try {
    const callerNamespace = `${env.TEMPORAL_NAMESPACE_PREFIX}demo-caller`;
    let address = env.TEMPORAL_ADDRESS;
    if (!address) {
      logger.info('starting a Temporal dev server');
      const server: TemporalDevServer = await startTemporalDevServer({
        namespaces: [demoDefaults.namespace, callerNamespace],
        ...(env.TEMPORAL_CLI_PATH && { cliPath: env.TEMPORAL_CLI_PATH }),
        logger,
      });
      closers.push(() => server.stop());
      address = server.address;
      logger.info({ address, startupMs: server.startupMs }, 'Temporal dev server ready');
    }
    // HTTP steps: the worker calls this control plane's egress with a generated workload token.
    const workerToken = env.WORKER_TOKEN ?? loadOrCreateDevSecret(env.DATA_DIR, 'worker-token');
    const echo = await startDemoEcho(logger.child({ component: 'demo-echo' }));
    closers.push(() => echo.close());
    const app = await createApp(
      {
        ...env,
        TEMPORAL_ADDRESS: address,
        TEMPORAL_MANAGE_NAMESPACES: true,
        // The demo project lives in the dev server's `default` namespace, which the worker serves.
        TEMPORAL_ALLOWED_NAMESPACES: [...env.TEMPORAL_ALLOWED_NAMESPACES, demoDefaults.namespace],
        WORKER_TOKEN: workerToken,
        // The demo echo API is on loopback, which the SSRF policy refuses unless allow-listed (dev only).
        OUTBOUND_ALLOW_CIDRS: withLoopback(env.OUTBOUND_ALLOW_CIDRS),
      },
      logger,
    );
    closers.push(() => app.close());
    // The dev server registered it (without our mark) when this command started it.
    await app.temporal?.ensureNamespace(callerNamespace, { adopt: !env.TEMPORAL_ADDRESS });
    // Dev only: the worker reads connector policy from the app's own database (PGlite is
    // in-process); deployments give it WORKER_DATABASE_URL as role wfb_worker.
    const workers = await runFleet({
      address,
      namespaces: [demoDefaults.namespace],
      taskQueue: demoDefaults.taskQueue,
      logger: logger.child({ component: 'worker' }),
      nexus: { database: app.database, taskQueue: env.NEXUS_TASK_QUEUE, allProjects: true },
      controlPlane: { url: publicBaseUrlOf({ ...env, PUBLIC_BASE_URL: undefined }), token: workerToken },
      installRuntime: true,
    });
    closers.push(() => workers.shutdown());
    await app.server.listen({ host: env.HOST, port: env.PORT });
    const baseUrl = app.publicBaseUrl;
    const demo = await seedDemo({ app, userId: devUserId });
    const crossProject = await seedCrossProjectDemo({
      app,
      userId: devUserId,
      targetSlug: demo.project.slug,
      namespace: callerNamespace,
      taskQueue: demoDefaults.taskQueue,
      temporalAddress: address,
      temporalCli: env.TEMPORAL_CLI_PATH ?? 'temporal',
    });
    const httpDemo = await seedHttpDemo({
      app,
      userId: devUserId,
      projectId: demo.project.id,
      echo,
      temporalAddress: address,
      namespace: demoDefaults.namespace,
      taskQueue: demoDefaults.taskQueue,
      temporalCli: env.TEMPORAL_CLI_PATH ?? 'temporal',
    });
    const token = app.secrets.jwtSecret
      ? await mintToken({ secret: app.secrets.jwtSecret, userId: devUserId, expiresInSeconds: 7 * 24 * 3600 })
      : undefined;
    const lines = [
      '',
      `Workflow Builder is running at ${baseUrl}  (Ctrl-C stops everything)`,
      `  Temporal: ${address}   database: ${env.DATABASE_URL ? 'Postgres' : `PGlite in ${env.DATA_DIR}`}`,
      '',
      `Try it — ${demo.curl.label}:`,
      `  ${demo.curl.command}`,
      '',
      ...demo.examples.flatMap((call) => [`${call.label}:`, `  ${call.command}`]),
      '',
      `A cross-project call: project "${crossProject.project.slug}" runs a workflow that opens, fills and reads`,
      `an order of project "${demo.project.slug}" through connector "${crossProject.connector.name}" (Nexus endpoint ${crossProject.connector.endpoint ?? 'pending'}):`,
      `  ${crossProject.command}`,
      '',
      ...httpDemo,
      '',
      ...(token ? ['A builder-UI token for the demo user (tRPC at /trpc), valid 7 days:', `  ${token}`, ''] : []),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } catch (error) {
    await closeAll();
    throw error;
  }

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await closeAll();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

void main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof EnvError ? error.message : `dev failed: ${error instanceof Error ? error.message : String(error)}`}\n`,
  );
  process.exit(1);
});
