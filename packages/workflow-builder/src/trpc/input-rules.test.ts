import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError, fromDatabaseError } from '@wfb/core/errors.js';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../test/databases.js';
import { callerFor, createTestApp, type TestApp, trpcFailure } from '../../test/test-app.js';
import { connectorEnv } from '../domain/connectors/testing/fixtures.js';

/**
 * Postgres refuses U+0000 in text (22021) and jsonb (22P05), and stores a lone surrogate as
 * U+FFFD or refuses it: such input is the caller's mistake and must be a 400 naming the
 * field, never a 500, whichever procedure receives it.
 */
const nul = 'a\u0000b';
const loneSurrogate = 'a\ud800b';

/** The routers and the input modules they share: where procedure inputs are declared. */
function inputModules(): string[] {
  const domain = fileURLToPath(new URL('../domain', import.meta.url));
  return readdirSync(domain, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.router.ts') || file.endsWith('-input.ts'))
    .map((file) => join(domain, file));
}

it('declares every procedure string with text(), date with timestamp() and free JSON value with jsonValue', () => {
  const modules = inputModules();
  expect(modules.length).toBeGreaterThanOrEqual(8);
  const bare = modules.filter((file) =>
    /\bz\s*\.\s*(string|unknown|any|date|coerce)\b/.test(readFileSync(file, 'utf8')),
  );
  expect(bare).toEqual([]);
});

describe.each(driverKinds)('procedure input rules (text, JSON, dates) on %s (database)', (kind) => {
  let testApp: TestApp;
  const owner = randomUUID();
  let projectId: string;
  let serviceId: string;
  let interfaceId: string;
  let keyId: string;
  let connectorId: string;

  beforeAll(async () => {
    testApp = await createTestApp(kind, connectorEnv());
    const caller = callerFor(testApp, owner);
    projectId = (await caller.projects.create({ slug: 'nul-probe', name: 'Probe' })).id;
    keyId = (await caller.apiKeys.create({ projectId, name: 'probe' })).key.id;
    serviceId = (
      await caller.workflows.create({
        projectId,
        name: 'orders',
        workflowType: 'orderWorkflow',
        taskQueue: 'q',
        workflowIdSource: { mode: 'path_param', param: 'orderId' },
      })
    ).id;
    interfaceId = (await caller.serviceInterfaces.create({ serviceId, name: 'start', type: 'start' })).id;
    connectorId = (
      await caller.connectors.create({
        projectId,
        name: 'probe',
        baseUrl: 'http://127.0.0.1:9',
        auth: { type: 'bearer', token: 'secret-token' },
      })
    ).id;
  });
  afterAll(async () => {
    await testApp.close();
  });

  const workflow = (extra: {
    displayName?: string;
    description?: string;
    workflowType?: string;
    taskQueue?: string;
    workflowIdSource?: { mode: 'fixed'; workflowId: string };
  }) => ({
    projectId,
    name: 'other',
    workflowType: 'orderWorkflow',
    taskQueue: 'q',
    workflowIdSource: { mode: 'fixed' as const, workflowId: 'w' },
    ...extra,
  });

  /** Each call puts the bad text in one field; `bad` is NUL or a lone surrogate. */
  const calls = (bad: string): Array<[string, (caller: ReturnType<typeof callerFor>) => Promise<unknown>]> => [
    ['projects.create name', (c) => c.projects.create({ slug: 'nul-probe-2', name: bad })],
    ['projects.rename name', (c) => c.projects.rename({ projectId, name: bad })],
    ['apiKeys.create name', (c) => c.apiKeys.create({ projectId, name: bad })],
    ['apiKeys.update name', (c) => c.apiKeys.update({ id: keyId, name: bad })],
    ['audit.list entityType', (c) => c.audit.list({ projectId, entityType: bad })],
    ['workflows.create displayName', (c) => c.workflows.create(workflow({ displayName: bad }))],
    ['workflows.create description', (c) => c.workflows.create(workflow({ description: bad }))],
    ['workflows.create workflowType', (c) => c.workflows.create(workflow({ workflowType: bad }))],
    ['workflows.create taskQueue', (c) => c.workflows.create(workflow({ taskQueue: bad }))],
    [
      'workflows.create workflowId',
      (c) => c.workflows.create(workflow({ workflowIdSource: { mode: 'fixed' as const, workflowId: bad } })),
    ],
    ['workflows.update description', (c) => c.workflows.update({ id: serviceId, description: bad })],
    [
      'serviceInterfaces.create callableName',
      (c) => c.serviceInterfaces.create({ serviceId, name: 'sig', type: 'signal', callableName: bad }),
    ],
    [
      'serviceInterfaces.create inputSchema key',
      (c) =>
        c.serviceInterfaces.create({
          serviceId,
          name: 'sig',
          type: 'signal',
          callableName: 'x',
          inputSchema: { type: 'object', properties: { [bad]: { type: 'string' } } },
        }),
    ],
    [
      'serviceInterfaces.update outputSchema string',
      (c) => c.serviceInterfaces.update({ id: interfaceId, outputSchema: { type: 'string', const: bad } }),
    ],
    ['serviceInterfaces.update description', (c) => c.serviceInterfaces.update({ id: interfaceId, description: bad })],
    [
      'publicInterfaces.create description',
      (c) =>
        c.publicInterfaces.create({ serviceInterfaceId: interfaceId, method: 'POST', path: '/', description: bad }),
    ],
    [
      'connectors.create name',
      (c) =>
        c.connectors.create({
          projectId,
          name: bad,
          baseUrl: 'http://127.0.0.1:9',
          auth: { type: 'bearer', token: 't' },
        }),
    ],
    ['connectors.update name', (c) => c.connectors.update({ id: connectorId, name: bad })],
    [
      'connectors.update defaultHeaders',
      (c) => c.connectors.update({ id: connectorId, defaultHeaders: { 'X-A': bad } }),
    ],
    [
      'connectors.update bearer token',
      (c) => c.connectors.update({ id: connectorId, auth: { type: 'bearer', token: bad } }),
    ],
  ];

  it.each([
    ['NUL', nul],
    ['a lone surrogate', loneSurrogate],
  ])('answers 400 naming the field for %s in any text field, writing nothing', async (_label, bad) => {
    const caller = callerFor(testApp, owner);
    const outcomes: Record<string, string> = {};
    for (const [name, call] of calls(bad)) outcomes[name] = (await trpcFailure(call(caller))).code;
    const expected = Object.fromEntries(calls(bad).map(([name]) => [name, 'BAD_REQUEST']));
    expect(outcomes).toEqual(expected);
    const project = await caller.projects.get({ projectId });
    expect(project.name).toBe('Probe');
    expect(await caller.workflows.list({ projectId })).toHaveLength(1);
  });

  it('answers 400, not 500, for NUL over HTTP too, with the field in the issues', async () => {
    const token = await testApp.token(owner);
    const response = await testApp.trpc(token, 'projects.create', { slug: 'nul-probe-3', name: nul });
    expect(response.status).toBe(400);
    expect(response.raw).toContain('name');
  });

  it('answers 400 for dates outside the years Postgres reads back (found by the fuzz)', async () => {
    const caller = callerFor(testApp, owner);
    const id = randomUUID();
    const outcomes = [
      await trpcFailure(caller.audit.list({ projectId, before: { createdAt: '+010000-01-01T00:00:00Z', id } })),
      await trpcFailure(caller.audit.list({ projectId, before: { createdAt: new Date(-8.64e15), id } })),
      await trpcFailure(caller.apiKeys.create({ projectId, name: 'far', expiresAt: '-000001-01-01T00:00:00Z' })),
      await trpcFailure(caller.apiKeys.update({ id: keyId, expiresAt: new Date(8.64e15) })),
    ];
    expect(outcomes.map((outcome) => outcome.code)).toEqual([
      'BAD_REQUEST',
      'BAD_REQUEST',
      'BAD_REQUEST',
      'BAD_REQUEST',
    ]);
    expect(outcomes[0]?.message).toContain('0001 to 9999');
    const kept = await caller.audit.list({ projectId, before: { createdAt: '9999-12-31T00:00:00Z', id } });
    expect(kept.events.length).toBeGreaterThan(0);
  });

  it('maps what the database says about NUL in text (22021) and jsonb (22P05) to 400 as a backstop', async () => {
    const failures = [
      await sql`select ${nul}::text`.execute(testApp.database.db).catch((error: unknown) => error),
      await sql`select ${JSON.stringify({ [nul]: 1 })}::jsonb`
        .execute(testApp.database.db)
        .catch((error: unknown) => error),
    ];
    expect(failures.map((error) => (error as { code?: unknown }).code)).toEqual(['22021', '22P05']);
    for (const failure of failures) {
      const mapped = fromDatabaseError(failure);
      expect(mapped).toBeInstanceOf(AppError);
      expect((mapped as AppError).code).toBe('BAD_REQUEST');
    }
  });
});
