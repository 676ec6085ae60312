import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { createDatabase } from '@wfb/core/db/driver.js';
import { createLogger } from '@wfb/core/logger.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, driverKinds, type TestDatabase } from '../test/databases.js';
import { eventually } from '../test/eventually.js';
import { startTcpProxy, type TcpProxy } from '../test/tcp-proxy.js';
import { testJwtSecret, testPepper } from '../test/test-app.js';
import { type App, createApp } from './app.js';
import { mintToken } from './auth/jwt.js';
import { systemRole } from './db/app-database.js';
import { parseEnv } from './env.js';

/** Postgres goes away under a running app: every request gets a 503 with Retry-After, the log gets a line per change of state. */
describe.runIf(driverKinds.includes('postgres'))('Postgres outage (postgres)', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let app: App;
  const logs: Array<{ level: number; msg: string }> = [];
  let token: string;
  let apiKey: string;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    const url = new URL(database.url ?? '');
    proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port) });
    url.host = `127.0.0.1:${proxy.port}`;
    const behindProxy = await createDatabase({
      databaseUrl: url.toString(),
      poolSize: 4,
      sessionRole: systemRole,
      listenHeartbeatMs: 100,
      listenHeartbeatTimeoutMs: 300,
    });
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line));
        callback();
      },
    });
    const env = parseEnv({
      NODE_ENV: 'test',
      SUPABASE_JWT_SECRET: testJwtSecret,
      API_KEY_PEPPER: testPepper,
      API_KEY_ENV: 'test',
      DATA_DIR: '.data/test-unused',
    });
    app = await createApp(env, createLogger({ level: 'info', destination }), { database: behindProxy });
    const userId = randomUUID();
    token = await mintToken({ secret: testJwtSecret, userId });
    const trpc = async (path: string, input: unknown) =>
      (
        await app.server.inject({
          method: 'POST',
          url: `/trpc/${path}`,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          payload: JSON.stringify(input),
        })
      ).json();
    const project = (await trpc('projects.create', { slug: 'outage', name: 'Outage' })).result.data;
    apiKey = (await trpc('apiKeys.create', { projectId: project.id, name: 'k' })).result.data.plaintext;
  });
  afterAll(async () => {
    await app?.close();
    await app?.database.close();
    await proxy?.close();
    await database?.close();
  });

  const whoami = () => app.server.inject({ method: 'GET', url: '/api/v1/whoami', headers: { 'x-api-key': apiKey } });
  const listProjects = () =>
    app.server.inject({ method: 'GET', url: '/trpc/projects.list', headers: { authorization: `Bearer ${token}` } });

  it('answers 503 with Retry-After on /api/v1 and tRPC while Postgres is down, logging the outage, not each request', async () => {
    expect((await whoami()).statusCode).toBe(200);
    const before = logs.length;
    proxy.cut();
    // The key cache stops being trusted once the listener is gone; then every lookup needs the database.
    await eventually(async () => (await whoami()).statusCode === 503);
    const requests = 30;
    for (let index = 0; index < requests; index += 1) {
      const rest = await whoami();
      expect(rest.statusCode).toBe(503);
      expect(rest.headers['retry-after']).toBe('5');
      expect(rest.json()).toMatchObject({ code: 'UNAVAILABLE' });
      const trpc = await listProjects();
      expect(trpc.statusCode).toBe(503);
      expect(trpc.headers['retry-after']).toBe('5');
    }
    const readyz = await app.server.inject({ method: 'GET', url: '/readyz' });
    expect(readyz.statusCode).toBe(503);
    const noisy = logs.slice(before).filter((line) => line.level >= 40);
    // The listener's loss and its failed reconnects: a handful of lines, not one per request.
    expect(noisy.length).toBeLessThan(requests / 3);
    expect(noisy.some((line) => line.level >= 50 && /unhandled|unexpected/.test(line.msg))).toBe(false);

    proxy.restore();
    await eventually(async () => (await whoami()).statusCode === 200, { timeoutMs: 15_000 });
    expect((await listProjects()).statusCode).toBe(200);
  });
});
