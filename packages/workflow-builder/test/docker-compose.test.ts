import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseWorkerEnv } from '@wfb/worker/env.js';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseEnv } from '../src/env.js';

/**
 * docker-compose.yml (and the DB-less override) through a real Compose parser — Debian's
 * `docker-compose`, which needs no Docker engine for `config` — then checked the way the
 * services will read it: the control plane's and the worker's env parse (production rules
 * included), images are pinned, published ports exist, and every address a service is
 * given names a service and the port it listens on. scripts/test.sh installs the parser;
 * CI fails rather than skips without it.
 */
const root = fileURLToPath(new URL('../../..', import.meta.url));
const run = promisify(execFile);

function findBinary(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

const compose = findBinary('docker-compose');
if (!compose && process.env.CI === 'true') {
  throw new Error('CI must have docker-compose (scripts/test.sh installs it) to validate docker-compose.yml');
}

/** The variables the compose file requires (`${VAR:?…}`), with values that pass the app's own checks. */
const secrets = {
  AUTHENTICATOR_PASSWORD: 'authenticator-password',
  WFB_WORKER_PASSWORD: 'worker-password',
  SUPABASE_JWT_SECRET: 'a-jwt-secret-of-at-least-thirty-two-characters',
  API_KEY_PEPPER: 'a-pepper-of-at-least-thirty-two-characters-long',
  ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
  METRICS_TOKEN: 'a-metrics-token-0123',
};

type Service = {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string | number | null>;
  ports?: Array<string | { published?: number | string; target?: number; host_ip?: string }>;
  networks?: Record<string, { ipv4_address?: string } | null>;
  depends_on?: Record<string, unknown>;
  volumes?: Array<string | { source?: string; target?: string }>;
};
type ComposeConfig = { services: Record<string, Service>; networks?: Record<string, unknown> };

async function config(files: string[], env: Record<string, string> = secrets): Promise<ComposeConfig> {
  if (!compose) throw new Error('no docker-compose');
  const args = files.flatMap((file) => ['-f', file]);
  await run(compose, [...args, 'config', '-q'], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env } });
  const { stdout } = await run(compose, [...args, 'config'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  return parseYaml(stdout) as ComposeConfig;
}

function environment(service: Service | undefined): Record<string, string> {
  const entries = Object.entries(service?.environment ?? {}).map(([key, value]) => [
    key,
    value === null ? '' : String(value),
  ]);
  return Object.fromEntries(entries);
}

function published(service: Service | undefined): string[] {
  // Compose prints short syntax as given (a `/tcp` suffix added) and long syntax as records.
  return (service?.ports ?? []).map((port) =>
    typeof port === 'string'
      ? port.replace(/\/tcp$/, '')
      : `${port.host_ip ? `${port.host_ip}:` : ''}${port.published}:${port.target}`,
  );
}

function service(parsed: ComposeConfig, name: string): Service {
  const found = parsed.services[name];
  if (!found) throw new Error(`no service ${name}`);
  return found;
}

describe.skipIf(!compose)(`docker-compose.yml (${compose ?? 'skipped: docker-compose is not installed'})`, () => {
  it('parses, pins every image, publishes Kong and the control plane, and refuses missing secrets', async () => {
    const parsed = await config(['docker-compose.yml']);
    for (const [name, entry] of Object.entries(parsed.services)) {
      if (entry.build) continue;
      expect(entry.image, name).toMatch(/^[\w./-]+:(?!latest$)[\w.-]+$/);
    }
    expect(service(parsed, 'kong').image).toMatch(/^kong:3\.9/);
    expect(published(service(parsed, 'kong'))).toEqual(expect.arrayContaining(['8000:8000', '127.0.0.1:8001:8001']));
    expect(published(service(parsed, 'builder'))).toContain('3000:3000');
    for (const name of Object.keys(secrets)) {
      const missing = Object.fromEntries(Object.entries(secrets).filter(([key]) => key !== name));
      await expect(config(['docker-compose.yml'], missing), name).rejects.toThrow(new RegExp(name));
    }
  });

  it('gives the control plane and the worker everything their env parsers require, pointing at real services', async () => {
    const parsed = await config(['docker-compose.yml']);
    const builder = environment(service(parsed, 'builder'));
    const env = parseEnv(builder);
    expect(env).toMatchObject({ NODE_ENV: 'production', KONG_MODE: 'db', KONG_UPSTREAM_URL: 'http://builder:3000' });
    const worker = parseWorkerEnv(environment(service(parsed, 'worker')));
    // A fresh dev server has `default` only; the demo project lives there too.
    expect(worker.TEMPORAL_NAMESPACES).toEqual(['default']);
    expect(env.TEMPORAL_ALLOWED_NAMESPACES).toContain('default');
    expect(service(parsed, 'temporal').command).toEqual(expect.arrayContaining(['start-dev']));

    const kong = environment(service(parsed, 'kong'));
    expect(new URL(env.KONG_ADMIN_URL ?? '').host).toBe(`kong:${kong.KONG_ADMIN_LISTEN?.split(':').pop()}`);
    expect(new URL(env.KONG_UPSTREAM_URL ?? '').port).toBe(
      readFileSync(join(root, 'Dockerfile'), 'utf8').match(/PORT=(\d+)/)?.[1],
    );
    expect(Object.keys(parsed.services)).toContain(kong.KONG_PG_HOST);
    expect(String(service(parsed, 'kong-migrations').command)).toContain('kong migrations bootstrap');
    expect(worker.TEMPORAL_ADDRESS.split(':')[0]).toBe('temporal');
    expect(new URL(env.DATABASE_URL ?? '').hostname).toBe('postgres');
    // X-Forwarded-For is trusted from Kong's fixed address only.
    expect(env.TRUST_PROXY).toEqual([service(parsed, 'kong').networks?.default?.ipv4_address]);
    expect(readFileSync(join(root, 'Dockerfile'), 'utf8')).toContain('COPY kong kong');
  });

  it('runs with the secrets scripts/compose-secrets.sh generates, and keeps them when run again', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'wfb-compose-')), '.env');
    await run('bash', [join(root, 'scripts/compose-secrets.sh'), file]);
    const first = readFileSync(file, 'utf8');
    await run('bash', [join(root, 'scripts/compose-secrets.sh'), file]);
    expect(readFileSync(file, 'utf8')).toBe(first);
    const generated = Object.fromEntries(
      first
        .trim()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    expect(Object.keys(generated).sort()).toEqual(Object.keys(secrets).sort());
    const parsed = await config(['docker-compose.yml'], generated);
    expect(parseEnv(environment(service(parsed, 'builder')))).toMatchObject({ NODE_ENV: 'production' });
  });

  it('has a DB-less variant: Kong off its database, started from kong/kong.yml, the controller pushing', async () => {
    const parsed = await config(['docker-compose.yml', 'docker-compose.dbless.yml']);
    const kong = environment(service(parsed, 'kong'));
    expect(kong).toMatchObject({ KONG_DATABASE: 'off', KONG_DECLARATIVE_CONFIG: '/kong/kong.yml' });
    const mounts = (service(parsed, 'kong').volumes ?? []).map((volume) =>
      typeof volume === 'string' ? volume : `${volume.source}:${volume.target}`,
    );
    expect(mounts.some((mount) => mount.includes('kong/kong.yml:/kong/kong.yml'))).toBe(true);
    const env = parseEnv(environment(service(parsed, 'builder')));
    expect(env.KONG_MODE).toBe('dbless');
  });
});
