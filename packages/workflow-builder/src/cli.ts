import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createDatabase } from '@wfb/core/db/driver.js';
import { createLogger } from '@wfb/core/logger.js';
import { z } from 'zod';
import { resolveSecrets } from './app.js';
import { mintToken } from './auth/jwt.js';
import { runDemoSeed } from './cli/demo-command.js';
import { runKongDiff, runKongExport, runKongSync } from './cli/kong-command.js';
import { runRotateKeys } from './cli/rotate-keys.js';
import { generateKeySpecEntry, isValidKeyId } from './crypto/key-ring.js';
import { migrateAsOwner, openAppDatabase } from './db/app-database.js';
import { migrate } from './db/migrate.js';
import { resolveKeyRing } from './domain/connectors/encryption-keys.js';
import { type Env, EnvError, loadEnv } from './env.js';
import { kongSettingsOf, kongTranslationOf } from './settings.js';

/** `wfb`: the operator CLI. Each command parses its own flags and fails with a usage line. */
interface Command {
  summary: string;
  usage: string;
  run(args: string[], env: Env): Promise<void>;
}

class UsageError extends Error {}

const commands: Record<string, Command> = {
  migrate: {
    summary: 'apply pending migrations from supabase/migrations',
    usage: 'wfb migrate',
    async run(_args, env) {
      const logger = createLogger({ level: env.LOG_LEVEL });
      // Postgres: the owner connection (DATABASE_ADMIN_URL); PGlite: its one embedded session.
      if (env.DATABASE_URL) {
        const result = await migrateAsOwner(env, logger);
        process.stdout.write(`applied ${result.applied.length}, already applied ${result.skipped}\n`);
        return;
      }
      const database = await createDatabase({ pgliteDataDir: join(env.DATA_DIR, 'pglite') });
      try {
        const result = await migrate(database.db, { logger });
        process.stdout.write(`applied ${result.applied.length}, already applied ${result.skipped}\n`);
      } finally {
        await database.close();
      }
    },
  },
  token: {
    summary: 'print an access token for a user (local dev secret or SUPABASE_JWT_SECRET)',
    usage: 'wfb token --user <uuid> [--email <email>] [--expires-in <seconds>]',
    async run(args, env) {
      const { values } = parseArgs({
        args,
        options: { user: { type: 'string' }, email: { type: 'string' }, 'expires-in': { type: 'string' } },
      });
      const user = z.uuid().safeParse(values.user);
      if (!user.success) throw new UsageError('--user must be a user id (uuid)');
      const expiresIn = z.coerce
        .number()
        .int()
        .min(60)
        .max(30 * 24 * 3600)
        .safeParse(values['expires-in'] ?? 3600);
      if (!expiresIn.success) throw new UsageError('--expires-in must be 60 … 2592000 seconds');
      const { jwtSecret } = resolveSecrets(env);
      if (!jwtSecret)
        throw new UsageError('tokens can be minted only with an HS256 secret (SUPABASE_JWT_SECRET or the dev secret)');
      const token = await mintToken({
        secret: jwtSecret,
        userId: user.data,
        audience: env.SUPABASE_JWT_AUDIENCE,
        expiresInSeconds: expiresIn.data,
        ...(values.email && { email: values.email }),
      });
      process.stdout.write(`${token}\n`);
    },
  },
};

commands['rotate-keys'] = {
  summary: 're-wrap every stored data key under the active ENCRYPTION_KEYS key (online, resumable)',
  usage: 'wfb rotate-keys [--batch-size <n>] [--no-progress]',
  async run(args, env) {
    const { values } = parseArgs({
      args,
      options: { 'batch-size': { type: 'string' }, 'no-progress': { type: 'boolean' } },
    });
    const batchSize = z.coerce
      .number()
      .int()
      .min(1)
      .max(10_000)
      .safeParse(values['batch-size'] ?? 500);
    if (!batchSize.success) throw new UsageError('--batch-size must be 1 … 10000');
    const logger = createLogger({ level: env.LOG_LEVEL });
    const database = await openAppDatabase(env, { poolSize: 2, logger, migrate: true });
    try {
      const result = await runRotateKeys({
        database,
        ring: resolveKeyRing(env),
        logger,
        batchSize: batchSize.data,
        progress: !values['no-progress'] && process.stderr.isTTY === true,
      });
      process.stdout.write(
        `active key ${result.activeKeyId}: re-wrapped ${result.rewrapped} connectors and ${result.oauthStatesRewrapped} OAuth states ` +
          `in ${result.passes} pass(es); ${result.changedDuringSweep} changed during the sweep, ` +
          `${result.remaining} remaining, ${result.failed.length} failed\n`,
      );
      if (result.remaining > 0 || result.failed.length > 0) {
        throw new Error(
          `rotation incomplete: ${result.remaining} remaining, failed: ${result.failed.join(', ') || 'none'}`,
        );
      }
    } finally {
      await database.close();
    }
  },
};

commands['generate-encryption-key'] = {
  summary: 'print a new ENCRYPTION_KEYS entry (id:base64 key) to append to the ring',
  usage: 'wfb generate-encryption-key --id <key id>',
  async run(args) {
    const { values } = parseArgs({ args, options: { id: { type: 'string' } } });
    if (!values.id || !isValidKeyId(values.id)) throw new UsageError('--id must match [a-zA-Z0-9_-]{1,32}');
    process.stdout.write(`${generateKeySpecEntry(values.id)}\n`);
  },
};

commands.kong = {
  summary: 'Kong: diff (the plan), sync (one pass now), export (the desired kong.yml on stdout)',
  usage: 'wfb kong diff [--json] | sync | export [--base <kong.yml>] [--mode db|dbless] [--output <file>]',
  async run(args, env) {
    const [action, ...rest] = args;
    const { values } = parseArgs({
      args: rest,
      options: {
        json: { type: 'boolean' },
        base: { type: 'string' },
        mode: { type: 'string' },
        output: { type: 'string', short: 'o' },
      },
    });
    if (values.mode !== undefined && values.mode !== 'db' && values.mode !== 'dbless')
      throw new UsageError('--mode must be db or dbless');
    const translation = kongTranslationOf(env);
    const settings = kongSettingsOf(env);
    if (action !== 'diff' && action !== 'sync' && action !== 'export')
      throw new UsageError('expected diff, sync or export');
    if (action === 'export' && !translation)
      throw new UsageError('set KONG_UPSTREAM_URL (where Kong reaches this backend)');
    if (action !== 'export' && !settings) throw new UsageError('set KONG_ADMIN_URL and KONG_UPSTREAM_URL');
    const logger = createLogger({ level: env.LOG_LEVEL, destination: process.stderr });
    const database = await openAppDatabase(env, { poolSize: 2, logger, migrate: true });
    const deps = {
      database,
      logger,
      // `pnpm wfb …` prints its script banner on stdout; `--output` (or `pnpm -s`) keeps a file clean.
      write: (text: string) => (values.output ? writeFileSync(values.output, text) : process.stdout.write(text)),
      warn: (text: string) => process.stderr.write(`${text}\n`),
    };
    try {
      if (action === 'export' && translation) {
        await runKongExport(deps, {
          ...translation,
          ...(values.base && { baseConfigPath: values.base }),
          ...(values.mode === 'db' || values.mode === 'dbless' ? { mode: values.mode } : {}),
        });
      } else if (action === 'diff' && settings) await runKongDiff(deps, settings, values.json === true);
      else if (settings) await runKongSync(deps, settings);
    } finally {
      await database.close();
    }
  },
};

commands['demo-seed'] = {
  summary: 'seed the demo project (namespace default, as the example worker serves) and print its curls',
  usage: 'wfb demo-seed [--user <uuid>]',
  async run(args, env) {
    const { values } = parseArgs({ args, options: { user: { type: 'string' } } });
    const user = z.uuid().safeParse(values.user ?? '00000000-0000-4000-8000-000000000001');
    if (!user.success) throw new UsageError('--user must be a user id (uuid)');
    const logger = createLogger({ level: env.LOG_LEVEL, destination: process.stderr });
    await runDemoSeed({ env, logger, userId: user.data, write: (text) => process.stdout.write(text) });
  },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, command]) => `  ${name.padEnd(14)} ${command.summary}`);
  return `usage: wfb <command> [flags]\n\ncommands:\n${lines.join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const command = name ? commands[name] : undefined;
  if (!command) {
    process.stderr.write(usage());
    return name && name !== '--help' ? 2 : 0;
  }
  try {
    await command.run(args, loadEnv());
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\nusage: ${command.usage}\n`);
      return 2;
    }
    if (error instanceof EnvError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    process.stderr.write(`wfb ${name} failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
