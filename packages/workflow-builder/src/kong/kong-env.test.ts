import { describe, expect, it } from 'vitest';
import { EnvError, parseEnv } from '../env.js';
import { defaultKongBaseConfig, kongSettingsOf, kongTranslationOf } from '../settings.js';

/** Kong's env: defaults, the combinations refused at startup, and the settings the controller gets. */
function problemsOf(source: Record<string, string>): string[] {
  try {
    parseEnv(source);
    return [];
  } catch (error) {
    if (error instanceof EnvError) return error.problems;
    throw error;
  }
}

describe('Kong settings from the environment', () => {
  it('is off without KONG_ADMIN_URL, with documented defaults', () => {
    const env = parseEnv({});
    expect(kongSettingsOf(env)).toBeUndefined();
    expect(env).toMatchObject({ KONG_MODE: 'db', KONG_SYNC_INTERVAL_MS: 30_000, KONG_RATE_LIMIT_POLICY: 'local' });
    expect(env.KONG_OPERATOR_USER_IDS).toEqual([]);
  });

  it('picks the controller settings, with the repository kong.yml as the base', () => {
    const operator = '7c1f2f4e-1111-4222-8333-944445555666';
    const env = parseEnv({
      KONG_ADMIN_URL: 'http://kong:8001',
      KONG_UPSTREAM_URL: 'http://builder:3000',
      KONG_ADMIN_TOKEN: 'secret',
      KONG_RATE_LIMIT_POLICY: 'redis',
      KONG_REDIS_HOST: 'redis',
      KONG_REDIS_PASSWORD: 'pw',
      KONG_OPERATOR_USER_IDS: ` ${operator} ,`,
    });
    expect(env.KONG_OPERATOR_USER_IDS).toEqual([operator]);
    expect(kongSettingsOf(env)).toEqual({
      adminUrl: 'http://kong:8001',
      adminToken: 'secret',
      intervalMs: 30_000,
      mode: 'db',
      upstreamUrl: 'http://builder:3000',
      bodyLimitBytes: 1_048_576,
      rateLimit: {
        policy: 'redis',
        redis: { host: 'redis', port: 6379, database: 0, username: null, password: 'pw', ssl: false },
      },
      baseConfigPath: defaultKongBaseConfig,
    });
    expect(defaultKongBaseConfig).toMatch(/kong\/kong\.yml$/);
    expect(kongTranslationOf(parseEnv({}))).toBeUndefined();
  });

  it.each([
    [{ KONG_ADMIN_URL: 'http://kong:8001' }, 'KONG_UPSTREAM_URL: required'],
    [{ KONG_MODE: 'dbless', KONG_RATE_LIMIT_POLICY: 'cluster' }, 'DB-less Kong refuses it'],
    [{ KONG_RATE_LIMIT_POLICY: 'redis' }, 'KONG_REDIS_HOST: required'],
    [{ KONG_MODE: 'hybrid' }, 'KONG_MODE'],
    [{ KONG_OPERATOR_USER_IDS: 'alice' }, 'KONG_OPERATOR_USER_IDS'],
  ])('refuses %o', (source, problem) => {
    expect(problemsOf(source)).toEqual([expect.stringContaining(problem)]);
  });
});
