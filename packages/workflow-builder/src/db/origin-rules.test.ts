import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../test/databases.js';
import { callerFor, createTestApp, type TestApp } from '../../test/test-app.js';
import { connectorEnv } from '../domain/connectors/testing/fixtures.js';
import { type LocalServer, startLocalServer } from '../net/testing/local-server.js';
import { withUserTransaction } from './tx.js';

/**
 * Direct SQL as `authenticated` with a member's claims (what Supabase's Data API allows)
 * must not send a stored secret to another origin: the database enforces the API's rule
 * (owner/admin only, every secret sealed anew) for base_url and every URL-like auth setting.
 */
const token = 'PLANTED-sql-origin-bearer-7d1f3b5a9c2e';
const clientSecret = 'PLANTED-sql-origin-client-secret-4e6a8c0b';
const roles = ['owner', 'admin', 'member', 'viewer'] as const;
type Role = (typeof roles)[number];

describe.each(driverKinds)('connector origins under direct SQL on %s (database)', (kind) => {
  let testApp: TestApp;
  let upstream: LocalServer;
  let attacker: LocalServer;
  const users: Record<Role, string> = {
    owner: randomUUID(),
    admin: randomUUID(),
    member: randomUUID(),
    viewer: randomUUID(),
  };
  let projectId: string;
  let bearerId: string;
  let oauthId: string;

  beforeAll(async () => {
    testApp = await createTestApp(kind, connectorEnv());
    upstream = await startLocalServer((_request, response) => response.writeHead(200).end('{}'));
    attacker = await startLocalServer((_request, response) => response.writeHead(200).end('{}'));
    const owner = callerFor(testApp, users.owner);
    projectId = (await owner.projects.create({ slug: `sql-origin-${kind}`, name: 'SQL origins' })).id;
    for (const role of ['admin', 'member', 'viewer'] as const)
      await owner.projects.members.add({ projectId, userId: users[role], role });
    bearerId = (
      await owner.connectors.create({
        projectId,
        name: 'bearer',
        baseUrl: `${upstream.origin}/api`,
        maxRetries: 0,
        auth: { type: 'bearer', token },
      })
    ).id;
    oauthId = (
      await owner.connectors.create({
        projectId,
        name: 'oauth',
        baseUrl: `${upstream.origin}/api`,
        auth: {
          type: 'oauth2_authorization_code',
          authorizationUrl: `${upstream.origin}/authorize`,
          tokenUrl: `${upstream.origin}/token`,
          issuer: upstream.origin,
          clientId: 'client',
          clientSecret,
        },
      })
    ).id;
  });
  afterAll(async () => {
    await Promise.all([upstream.close(), attacker.close()]);
    await testApp.close();
  });

  const as = <T>(role: Role, work: Parameters<typeof withUserTransaction<T>>[2]) =>
    withUserTransaction(testApp.database.db, { sub: users[role] }, work);

  /** The statement's outcome: the error it raised, or how many rows it changed. */
  async function outcome(role: Role, statement: ReturnType<typeof sql>): Promise<string | number> {
    try {
      return await as(role, async (tx) => Number((await statement.execute(tx)).numAffectedRows ?? 0n));
    } catch (error) {
      return (error as Error).message;
    }
  }

  async function current() {
    return testApp.database.db
      .selectFrom('connectors')
      .innerJoin('connector_credentials', 'connector_credentials.connector_id', 'connectors.id')
      .select(['connectors.id', 'base_url', 'auth_config', 'encrypted_credentials'])
      .where('connectors.project_id', '=', projectId)
      .orderBy('connectors.name')
      .execute();
  }

  it.each(roles)('refuses a base_url on another origin for the %s, and the secret stays home', async (role) => {
    const before = await current();
    const result = await outcome(
      role,
      sql`update public.connectors set base_url = ${`${attacker.origin}/api`} where id = ${bearerId}`,
    );
    if (role === 'viewer') expect(result).toBe(0);
    else expect(result).toMatch(/another origin/);
    expect(await current()).toEqual(before);
    expect((await callerFor(testApp, users.owner).connectors.test({ id: bearerId })).ok).toBe(true);
    expect(upstream.requests.at(-1)?.headers.authorization).toBe(`Bearer ${token}`);
    expect(attacker.requests).toEqual([]);
  });

  it.each(roles)(
    'refuses OAuth endpoints, the issuer and any new *Url setting on another origin for the %s',
    async (role) => {
      const before = await current();
      for (const key of ['tokenUrl', 'authorizationUrl', 'issuer', 'discoveryUrl', 'jwks_url']) {
        const result = await outcome(
          role,
          sql`update public.connector_credentials
          set auth_config = jsonb_set(auth_config, ${sql.lit(`{${key}}`)}::text[], to_jsonb(${`${attacker.origin}/x`}::text))
          where connector_id = ${oauthId}`,
        );
        if (role === 'viewer') expect(result).toBe(0);
        else expect({ key, result }).toMatchObject({ key, result: expect.stringMatching(/another origin/) });
      }
      expect(await current()).toEqual(before);
    },
  );

  it('refuses a ciphertext copied back from an earlier version, even from an owner', async () => {
    const [old] = (await current()).filter((row) => row.id === bearerId);
    // Any API write re-seals the same secret under new IVs: the old record is now "different".
    await callerFor(testApp, users.owner).connectors.update({ id: bearerId, defaultHeaders: { 'x-n': '1' } });
    const replayed = JSON.stringify(old?.encrypted_credentials);
    expect(
      await outcome(
        'owner',
        sql`update public.connector_credentials set encrypted_credentials = ${replayed}::jsonb,
          auth_config = auth_config || ${JSON.stringify({ tokenUrl: `${attacker.origin}/t` })}::jsonb
          where connector_id = ${bearerId}`,
      ),
    ).toMatch(/another origin/);
    const inTwoSteps = await as('owner', async (tx) => {
      await sql`update public.connector_credentials set encrypted_credentials = ${replayed}::jsonb
        where connector_id = ${bearerId}`.execute(tx);
      await sql`update public.connectors set base_url = ${`${attacker.origin}/api`} where id = ${bearerId}`.execute(tx);
    }).catch((error: Error) => error.message);
    expect(inTwoSteps).toMatch(/another origin/);
    const reinserted = await as('admin', async (tx) => {
      await sql`delete from public.connector_credentials where connector_id = ${bearerId}`.execute(tx);
      await sql`insert into public.connector_credentials
        (connector_id, project_id, auth_config, encrypted_credentials, encryption_key_id)
        values (${bearerId}, ${projectId}, '{"type":"bearer"}', ${replayed}::jsonb, ${replayed}::jsonb ->> 'kekId')`.execute(
        tx,
      );
    }).catch((error: Error) => error.message);
    expect(reinserted).toMatch(/sealed anew/);
  });

  it('still lets an admin move the origin through the API with the secret supplied again', async () => {
    const admin = callerFor(testApp, users.admin);
    const moved = await admin.connectors.update({
      id: bearerId,
      baseUrl: `${attacker.origin}/api`,
      auth: { type: 'bearer', token: 'PLANTED-sql-origin-new-token-2b4d' },
    });
    expect(moved.baseUrl).toBe(`${attacker.origin}/api`);
    expect((await admin.connectors.test({ id: bearerId })).ok).toBe(true);
    expect(attacker.requests.at(-1)?.headers.authorization).toBe('Bearer PLANTED-sql-origin-new-token-2b4d');
    expect(JSON.stringify(attacker.requests)).not.toContain(token);
  });
});
