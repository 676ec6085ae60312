import { describe, expect, it } from 'vitest';
import { EnvError, parseEnv } from './env.js';

describe('env', () => {
  it('runs locally with nothing set', () => {
    const env = parseEnv({});
    expect(env).toMatchObject({ NODE_ENV: 'development', PORT: 3000, API_KEY_ENV: 'dev' });
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it('lists every problem at once', () => {
    try {
      parseEnv({ PORT: 'seventy', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EnvError);
      const problems = (error as EnvError).problems.join('\n');
      expect(problems).toMatch(/PORT/);
      expect(problems).toMatch(/LOG_LEVEL/);
      expect(problems).toMatch(/DATABASE_URL/);
    }
  });

  it('refuses production without the parts it must not fake, naming each variable', () => {
    try {
      parseEnv({ NODE_ENV: 'production' });
      expect.unreachable();
    } catch (error) {
      const problems = (error as EnvError).problems.join('\n');
      for (const name of ['DATABASE_URL', 'SUPABASE_JWT_SECRET', 'API_KEY_PEPPER', 'TEMPORAL_ADDRESS']) {
        expect(problems).toContain(name);
      }
    }
  });
});
