import { randomUUID } from 'node:crypto';
import type { LocalServer } from '../../src/net/testing/local-server.js';
import { callerFor, ordersService, type TestApp } from '../test-app.js';
import type { Ref } from './schema-arbitrary.js';

/**
 * Rows for the fuzzed procedures to find, so mostly-valid calls get past "not found" into the
 * services: a project with a viewer, a service with an interface of each kind, published
 * routes, a key and two connectors. A fuzzed delete may remove any of it: `ensure()` seeds a
 * fresh set after every call that could have.
 */
export interface FuzzUsers {
  owner: string;
  viewer: string;
  stranger: string;
}

type IdKind = 'project' | 'workflow' | 'serviceInterface' | 'publicInterface' | 'apiKey' | 'connector' | 'user';

/** Which kind of id a field names; other fields may get any of them. */
const kindOfField: Record<string, IdKind> = {
  projectId: 'project',
  serviceId: 'workflow',
  serviceInterfaceId: 'serviceInterface',
  publicInterfaceId: 'publicInterface',
  userId: 'user',
};

/** What `id` names, by the procedure's router. */
const kindOfRouter: Record<string, IdKind> = {
  apiKeys: 'apiKey',
  connectors: 'connector',
  workflows: 'workflow',
  serviceInterfaces: 'serviceInterface',
  publicInterfaces: 'publicInterface',
};

export function createFuzzFixture(testApp: TestApp, upstream: LocalServer) {
  const users: FuzzUsers = { owner: randomUUID(), viewer: randomUUID(), stranger: randomUUID() };
  let ids = new Map<IdKind, string[]>();
  let generation = 0;
  let stale = true;

  async function seed(): Promise<void> {
    generation += 1;
    const caller = callerFor(testApp, users.owner);
    const project = await caller.projects.create({ slug: `fuzz-${generation}`, name: `Fuzz ${generation}` });
    await caller.projects.members.add({ projectId: project.id, userId: users.viewer, role: 'viewer' });
    const workflow = await caller.workflows.create(ordersService(project.id));
    const start = await caller.serviceInterfaces.create({
      serviceId: workflow.id,
      name: 'create',
      type: 'start',
      inputSchema: { type: 'object', properties: { customer: { type: 'string' } } },
    });
    const update = await caller.serviceInterfaces.create({
      serviceId: workflow.id,
      name: 'approve',
      type: 'update',
      callableName: 'approve',
    });
    const startRoute = await caller.publicInterfaces.create({
      serviceInterfaceId: start.id,
      method: 'POST',
      path: '/orders/{orderId}',
    });
    const key = await caller.apiKeys.create({ projectId: project.id, name: 'fuzz' });
    const connector = await caller.connectors.create({
      projectId: project.id,
      name: 'upstream',
      baseUrl: upstream.origin,
      auth: { type: 'bearer', token: 'fuzz-token' },
      maxRetries: 0,
    });
    const oauth = await caller.connectors.create({
      projectId: project.id,
      name: 'oauth',
      baseUrl: upstream.origin,
      auth: {
        type: 'oauth2_authorization_code',
        authorizationUrl: `${upstream.origin}/auth`,
        tokenUrl: `${upstream.origin}/token`,
        clientId: 'client',
        clientSecret: 'secret',
      },
    });
    ids = new Map<IdKind, string[]>([
      ['project', [project.id]],
      ['workflow', [workflow.id]],
      ['serviceInterface', [start.id, update.id]],
      ['publicInterface', [startRoute.id]],
      ['apiKey', [key.key.id]],
      ['connector', [connector.id, oauth.id]],
      ['user', [users.owner, users.viewer, users.stranger]],
    ]);
    stale = false;
  }

  return {
    users,
    /** Seeds the rows when none are there yet or a call may have removed some. */
    async ensure(): Promise<void> {
      if (stale) await seed();
    },
    /** After a successful call that may have removed or demoted something. */
    noteSuccess(path: string): void {
      if (/\.(delete|revoke|roll|remove|changeRole)$/.test(path)) stale = true;
    },
    /** A live id for `ref` in a call to `path`, of the kind its field names when it names one. */
    resolve(ref: Ref, path: string): string {
      const router = path.split('.')[0] ?? '';
      const kind = ref.field === 'id' ? kindOfRouter[router] : kindOfField[ref.field];
      const pool = kind ? (ids.get(kind) ?? []) : [...ids.values()].flat();
      return pool[ref.pick % Math.max(pool.length, 1)] ?? randomUUID();
    },
  };
}

export type FuzzFixture = ReturnType<typeof createFuzzFixture>;
