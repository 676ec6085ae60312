import type { Logger } from '@wfb/core/logger.js';
import { resolveSecrets } from '../app.js';
import { openAppDatabase } from '../db/app-database.js';
import { seedDemo } from '../dev/demo-seed.js';
import { resolveKeyRing } from '../domain/connectors/encryption-keys.js';
import type { Env } from '../env.js';
import { createServices } from '../services.js';
import { serviceSettingsOf } from '../settings.js';

/**
 * `wfb demo-seed`: what the dev command seeds, for a running deployment (docker compose):
 * the demo project in the namespace the example worker serves, its published interfaces
 * and a fresh API key; prints curls against PUBLIC_BASE_URL (Kong's proxy in compose).
 */
export async function runDemoSeed(input: { env: Env; logger: Logger; userId: string; write: (text: string) => void }) {
  const { env, logger } = input;
  const database = await openAppDatabase(env, { poolSize: 2, logger, migrate: true });
  try {
    const services = createServices({
      settings: serviceSettingsOf(env),
      logger,
      database,
      temporal: undefined,
      apiKeyPepper: resolveSecrets(env).apiKeyPepper,
      apiKeyEnvironment: env.API_KEY_ENV,
      keyRing: resolveKeyRing(env),
    });
    const demo = await seedDemo({ app: { database, services }, userId: input.userId });
    const lines = [
      `demo project ${demo.project.slug} (namespace ${demo.project.namespace}), API key ${demo.apiKey.plaintext}`,
      '',
      `${demo.curl.label}:`,
      `  ${demo.curl.command}`,
      ...demo.examples.flatMap((call) => [`${call.label}:`, `  ${call.command}`]),
      '',
    ];
    input.write(lines.join('\n'));
  } finally {
    await database.close();
  }
}
