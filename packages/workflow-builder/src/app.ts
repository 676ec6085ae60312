import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadOrCreateDevSecret } from './auth/dev-secrets.js';
import { createTokenVerifier } from './auth/jwt.js';
import { createDatabase, type Database } from './db/driver.js';
import { migrate } from './db/migrate.js';
import { createKeyVerifier, type KeyVerifier } from './domain/api-keys/key-verifier.js';
import type { Env } from './env.js';
import type { Logger } from './logger.js';
import { buildServer, type ReadinessCheck } from './server.js';
import { createServices, type Services } from './services.js';
import { createTemporalClients, type TemporalClients } from './temporal/temporal-clients.js';

/** Secrets that production must be given and local runs may generate (see env.ts). */
export interface ResolvedSecrets {
  jwtSecret: string | undefined;
  apiKeyPepper: string;
}

export function resolveSecrets(env: Env): ResolvedSecrets {
  const local = env.NODE_ENV !== 'production';
  const jwtSecret =
    env.SUPABASE_JWT_SECRET ??
    (env.SUPABASE_URL ? undefined : local ? loadOrCreateDevSecret(env.DATA_DIR, 'jwt') : undefined);
  const apiKeyPepper =
    env.API_KEY_PEPPER ?? (local ? loadOrCreateDevSecret(env.DATA_DIR, 'api-key-pepper') : undefined);
  if (!apiKeyPepper) throw new Error('API_KEY_PEPPER is required');
  return { jwtSecret, apiKeyPepper };
}

export interface App {
  server: FastifyInstance;
  database: Database;
  services: Services;
  keyVerifier: KeyVerifier;
  temporal: TemporalClients | undefined;
  secrets: ResolvedSecrets;
  close(): Promise<void>;
}

export interface AppOverrides {
  database?: Database;
  clock?: () => Date;
}

/** Composition root shared by `main.ts`, the dev command and the tests: env → db → temporal → server. */
export async function createApp(env: Env, logger: Logger, overrides: AppOverrides = {}): Promise<App> {
  const secrets = resolveSecrets(env);
  const database =
    overrides.database ??
    (await createDatabase({
      databaseUrl: env.DATABASE_URL,
      pgliteDataDir: join(env.DATA_DIR, 'pglite'),
      poolSize: env.DATABASE_POOL_SIZE,
      logger,
    }));
  const ownsDatabase = !overrides.database;
  try {
    await migrate(database.db, { logger });
    const temporal = env.TEMPORAL_ADDRESS
      ? createTemporalClients({ address: env.TEMPORAL_ADDRESS, logger })
      : undefined;
    const services = createServices({
      env,
      logger,
      database,
      temporal,
      apiKeyPepper: secrets.apiKeyPepper,
      apiKeyEnvironment: env.API_KEY_ENV,
      namespaces: env.TEMPORAL_MANAGE_NAMESPACES ? temporal : undefined,
      ...(overrides.clock && { clock: overrides.clock }),
    });
    const keyVerifier = createKeyVerifier({
      database,
      pepper: secrets.apiKeyPepper,
      environment: env.API_KEY_ENV,
      logger,
      cacheSize: env.API_KEY_CACHE_SIZE,
    });
    await keyVerifier.start();
    const readiness: ReadinessCheck[] = [{ name: 'database', check: () => database.ping() }];
    if (temporal) readiness.push({ name: 'temporal', check: () => temporal.ping() });
    const server = await buildServer({
      logger,
      database,
      services,
      verifyToken: createTokenVerifier({
        secret: secrets.jwtSecret,
        supabaseUrl: env.SUPABASE_URL,
        audience: env.SUPABASE_JWT_AUDIENCE,
      }),
      keyVerifier,
      readiness,
    });
    return {
      server,
      database,
      services,
      keyVerifier,
      temporal,
      secrets,
      async close() {
        await server.close();
        await keyVerifier.stop();
        await temporal?.close();
        if (ownsDatabase) await database.close();
      },
    };
  } catch (error) {
    if (ownsDatabase) await database.close();
    throw error;
  }
}
