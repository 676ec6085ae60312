import { createLogger } from '@wfb/core/logger.js';
import { createApp } from './app.js';
import { EnvError, loadEnv } from './env.js';
import { shutdownGraceOf } from './settings.js';

/** Production entry point: env → logger → app → listen, and a bounded graceful shutdown. */
async function main(): Promise<void> {
  let env: ReturnType<typeof loadEnv>;
  try {
    env = loadEnv();
  } catch (error) {
    if (error instanceof EnvError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger({ level: env.LOG_LEVEL });
  const app = await createApp(env, logger);
  await app.server.listen({ host: env.HOST, port: env.PORT });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new connections, draining in-flight requests');
    const force = setTimeout(() => {
      logger.error('shutdown grace period passed; exiting');
      process.exit(1);
    }, shutdownGraceOf(env));
    force.unref();
    await app.close();
    logger.info('shutdown complete');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

void main().catch((error: unknown) => {
  process.stderr.write(`startup failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
