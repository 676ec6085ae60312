import { describe, expect, it } from 'vitest';
import { type LiveKongState, managedTag } from './kong-types.js';
import { normalizeEntity, sameEntity } from './normalize.js';
import { type PlanOperation, plan } from './plan.js';
import { fixtureOptions, fixtureRows } from './testing/fixtures.js';
import { type Collection, StandInStore } from './testing/stand-in-store.js';
import { translate } from './translate.js';

const collectionOf = { service: 'services', route: 'routes', plugin: 'plugins' } as const;

/** Applies operations the way the Admin API would (PUT by id, DELETE by id), failing loudly. */
function apply(store: StandInStore, operations: PlanOperation[]): void {
  for (const operation of operations) {
    const collection: Collection = collectionOf[operation.kind];
    if (operation.action === 'delete') {
      const refused = store.delete(collection, operation.id);
      if (refused) throw new Error(JSON.stringify(refused.body));
    } else {
      const written = store.write(collection, operation.body, operation.id, false);
      if (!written.ok) throw new Error(JSON.stringify(written.error.body));
    }
  }
}

function live(store: StandInStore): LiveKongState {
  const read = (collection: Collection) =>
    store.list(collection).map((entity) => ({ ...entity, id: String(entity.id) }));
  return { services: read('services'), routes: read('routes'), plugins: read('plugins') };
}

function synced(rows = fixtureRows) {
  const store = new StandInStore(() => 1_700_000_000);
  const { state } = translate(rows, fixtureOptions);
  apply(store, plan(state, live(store)));
  return store;
}

const writes = (operations: PlanOperation[]) => operations.map((op) => `${op.action} ${op.kind} ${op.name}`);

describe('plan', () => {
  it('creates everything top-down on an empty Kong', () => {
    const { state } = translate(fixtureRows, fixtureOptions);
    const operations = plan(state, { services: [], routes: [], plugins: [] });
    const kinds = operations.map((op) => op.kind);
    expect(kinds).toEqual(
      [...kinds].sort((a, b) => ['service', 'route', 'plugin'].indexOf(a) - ['service', 'route', 'plugin'].indexOf(b)),
    );
    expect(operations.every((op) => op.action === 'upsert')).toBe(true);
    expect(operations).toHaveLength(state.services.length + state.routes.length + state.plugins.length);
  });

  it('plans nothing when Kong already holds the desired state (defaults filled by Kong)', () => {
    const store = synced();
    const { state } = translate(fixtureRows, fixtureOptions);
    expect(plan(state, live(store))).toEqual([]);
  });

  it('writes at most three entities for one changed interface', () => {
    const store = synced();
    const changed = fixtureRows.map((row, index) =>
      index === 0 ? { ...row, path: '/orders/{orderId}/lines', method: 'POST', rateLimitPerMinute: 60 } : row,
    );
    const operations = plan(translate(changed, fixtureOptions).state, live(store));
    expect(writes(operations)).toEqual([
      'upsert route wfb-interface-11111111-1111-4111-8111-111111111111',
      'upsert plugin rate-limiting',
    ]);
    expect(operations.every((op) => op.publicInterfaceId === '11111111-1111-4111-8111-111111111111')).toBe(true);
    apply(store, operations);
    expect(plan(translate(changed, fixtureOptions).state, live(store))).toEqual([]);
  });

  it('deletes a disabled interface bottom-up: its plugin, then its route', () => {
    const store = synced();
    const disabled = fixtureRows.map((row, index) => (index === 0 ? { ...row, enabled: false } : row));
    const operations = plan(translate(disabled, fixtureOptions).state, live(store));
    expect(writes(operations)).toEqual([
      'delete plugin rate-limiting',
      'delete route wfb-interface-11111111-1111-4111-8111-111111111111',
    ]);
    apply(store, operations);
    expect(store.list('plugins').some((plugin) => JSON.stringify(plugin).includes('11111111-1111'))).toBe(false);
  });

  it('never touches untagged entities or entities tagged for someone else', () => {
    const store = synced();
    const service = store.write('services', { name: 'theirs', host: 'other', tags: ['team-x'] }, undefined, false);
    if (!service.ok) throw new Error('setup');
    store.write(
      'routes',
      { name: 'their-route', paths: ['/x'], service: { id: String(service.entity.id) } },
      undefined,
      false,
    );
    store.write('plugins', { name: 'correlation-id', service: { id: String(service.entity.id) } }, undefined, false);
    const snapshot = live(store);
    const operations = plan(translate(fixtureRows, fixtureOptions).state, snapshot);
    expect(operations).toEqual([]);
    // Even when the caller passes everything (not only what the managed tag selects).
    const untagged = { ...snapshot, routes: [...snapshot.routes, { id: 'x', name: 'stray', tags: null }] };
    expect(plan(translate(fixtureRows, fixtureOptions).state, untagged)).toEqual([]);
  });

  it('puts back a field changed by hand and adopts a managed entity with another id', () => {
    const store = synced();
    const route = store.find('routes', 'wfb-interface-22222222-2222-4222-8222-222222222222');
    if (!route) throw new Error('setup');
    const { id: _id, ...fields } = route;
    store.write('routes', { ...fields, strip_path: true }, String(route.id), false);
    const operations = plan(translate(fixtureRows, fixtureOptions).state, live(store));
    expect(writes(operations)).toEqual(['upsert route wfb-interface-22222222-2222-4222-8222-222222222222']);

    const { state } = translate(fixtureRows, fixtureOptions);
    const moved = live(store);
    moved.routes = moved.routes.map((entity) =>
      entity.id === route.id ? { ...entity, id: 'f0000000-0000-4000-8000-000000000000' } : entity,
    );
    const adopted = plan(state, moved);
    expect(adopted.find((op) => op.kind === 'route')?.id).toBe('f0000000-0000-4000-8000-000000000000');
    expect(adopted.some((op) => op.action === 'delete' && op.kind === 'route')).toBe(false);
  });

  it('deletes orphaned managed entities, the service last', () => {
    const store = synced();
    const operations = plan({ services: [], routes: [], plugins: [] }, live(store));
    const kinds = operations.map((op) => op.kind);
    expect(operations.every((op) => op.action === 'delete')).toBe(true);
    expect(kinds.indexOf('route')).toBeGreaterThan(kinds.lastIndexOf('plugin'));
    expect(kinds[kinds.length - 1]).toBe('service');
    apply(store, operations);
    expect(store.list('services')).toEqual([]);
  });
});

describe('normalize', () => {
  it('treats missing fields as Kong defaults and ignores fields Kong manages', () => {
    const desired = { name: 'r', paths: ['/x'], service: { id: 's' }, tags: [managedTag] };
    const live = {
      ...desired,
      id: 'i',
      created_at: 1,
      updated_at: 2,
      hosts: [],
      strip_path: true,
      protocols: ['https', 'http'],
    };
    expect(sameEntity('route', { ...desired, id: 'i' }, live)).toBe(true);
    expect(normalizeEntity('route', live).created_at).toBeUndefined();
  });

  it('ignores the redis record unless the policy is redis', () => {
    const config = { minute: 5, policy: 'local' };
    const live = { ...config, redis: { host: null, port: 6379 }, limit_by: 'consumer' };
    expect(sameEntity('plugin', { name: 'rate-limiting', config }, { name: 'rate-limiting', config: live })).toBe(true);
    const redis = { minute: 5, policy: 'redis', redis: { host: 'a', port: 1 } };
    const liveRedis = { ...redis, redis: { host: 'b', port: 1 } };
    expect(
      sameEntity('plugin', { name: 'rate-limiting', config: redis }, { name: 'rate-limiting', config: liveRedis }),
    ).toBe(false);
  });
});
