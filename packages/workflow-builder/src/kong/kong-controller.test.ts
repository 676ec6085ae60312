import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverKinds } from '../../test/databases.js';
import { eventually } from '../../test/eventually.js';
import { createKongAdminClient } from './admin-client.js';
import { interfaceName } from './kong-types.js';
import { type ControllerHarness, startControllerHarness } from './testing/controller-harness.js';

/**
 * The controller against the Kong stand-in, in both Kong modes, on every database driver:
 * each fault of the issue, end to end (tRPC → database → NOTIFY → reconciler → Kong → status).
 */
const modes = ['db', 'dbless'] as const;
const cases = driverKinds.flatMap((kind) => modes.map((mode) => [kind, mode] as const));

describe.each(cases)('Kong controller on %s, %s mode (database)', (kind, mode) => {
  let h: ControllerHarness;
  beforeEach(async () => {
    h = await startControllerHarness(kind, mode);
  });
  afterEach(async () => {
    await h.close();
  });

  const synced = async (...ids: string[]) => {
    for (const id of ids) if ((await h.statusOf(id)) !== 'synced') return false;
    return true;
  };

  it('publishes interfaces as routes and plugins, with ids in the status, and needs no writes after', async () => {
    const limited = await h.publish({ rateLimitPerMinute: 30 });
    const open = await h.publish();
    await eventually(() => synced(limited, open));
    const route = h.routeOf(limited);
    expect(route).toMatchObject({ strip_path: false, methods: ['GET'] });
    expect(h.pluginsOf(limited)).toMatchObject([
      { name: 'rate-limiting', config: { minute: 30, limit_by: 'service' } },
    ]);
    expect(h.pluginsOf(open)).toEqual([]);
    const view = await h.caller().publicInterfaces.get({ id: limited });
    expect(view.kong).toMatchObject({ status: 'synced', kongRouteId: route?.id, lastError: null });
    expect(view.kong?.kongPluginIds).toHaveLength(1);

    const again = await h.controller.syncNow();
    expect(again).toMatchObject({ writes: 0, errors: 0, driftRepairs: 0 });
    if (mode === 'dbless') expect(again?.skipped).toBe(true);
  });

  it('keeps changes pending while Kong is down, converges when it returns, and logs the outage once', async () => {
    const first = await h.publish({ rateLimitPerMinute: 10 });
    await eventually(() => synced(first));
    await h.kong.goDown();
    const added = await h.publish();
    await h.caller().publicInterfaces.update({ id: first, rateLimitPerMinute: 20 });
    expect(await h.statusOf(added)).toBe('pending');
    expect(await h.statusOf(first)).toBe('pending');
    await eventually(async () => h.controller.health().consecutiveFailures >= 3);
    expect(await h.statusOf(added)).toBe('pending');

    await h.kong.comeUp();
    await eventually(() => synced(first, added));
    expect(h.routeOf(added)).toBeDefined();
    expect(h.pluginsOf(first)).toMatchObject([{ config: { minute: 20 } }]);
    expect(h.controller.health()).toMatchObject({ healthy: true, consecutiveFailures: 0 });
    expect(h.logLines('reconciler pass failed; retrying with backoff')).toBe(1);
    expect(h.logLines('reconciler recovered')).toBe(1);
  });

  it("shows Kong's error on the interface it refused and syncs the others", async () => {
    const good = await h.publish();
    const bad = await h.publish({ rateLimitPerMinute: 5 });
    h.kong.faults.refuseEntity(interfaceName(bad), 'paths', 'refused by this Kong');
    await h.controller.syncNow();
    await eventually(async () => (await h.statusOf(bad)) === 'error');
    expect(await h.statusOf(good)).toBe('synced');
    const view = await h.caller().publicInterfaces.get({ id: bad });
    expect(view.kong?.lastError).toContain('refused by this Kong');
    expect(h.routeOf(bad)).toBeUndefined();
    expect(h.routeOf(good)).toBeDefined();

    h.kong.faults.refusals.clear();
    await h.caller().publicInterfaces.update({ id: bad, rateLimitPerMinute: 6 });
    await eventually(() => synced(bad));
    expect((await h.caller().publicInterfaces.get({ id: bad })).kong?.lastError).toBeNull();
  });

  it('removes the route and plugins of a disabled or deleted interface on the next pass', async () => {
    const disabled = await h.publish({ rateLimitPerMinute: 5 });
    const deleted = await h.publish({ rateLimitPerMinute: 5 });
    await eventually(() => synced(disabled, deleted));
    await h.caller().publicInterfaces.update({ id: disabled, enabled: false });
    await h.caller().publicInterfaces.delete({ id: deleted });
    await eventually(async () => !h.routeOf(disabled) && !h.routeOf(deleted));
    await eventually(() => synced(disabled));
    expect([...h.pluginsOf(disabled), ...h.pluginsOf(deleted)]).toEqual([]);
    expect((await h.caller().publicInterfaces.get({ id: disabled })).kong).toMatchObject({ kongRouteId: null });
  });
});

describe.each(driverKinds)('Kong controller repairs drift, DB mode on %s (database)', (kind) => {
  let h: ControllerHarness;
  beforeEach(async () => {
    h = await startControllerHarness(kind, 'db');
  });
  afterEach(async () => {
    await h.close();
  });

  it('restores a route deleted or edited by hand, and never touches entities without our tag', async () => {
    const deleted = await h.publish({ rateLimitPerMinute: 5 });
    const edited = await h.publish();
    await eventually(async () => h.routeOf(deleted) !== undefined && h.routeOf(edited) !== undefined);
    await h.controller.syncNow();
    const admin = createKongAdminClient({ baseUrl: h.kong.url, retries: 0 });
    const theirs = await admin.services.put('theirs', { host: 'example.test' });
    await admin.routes.put('their-route', { paths: ['/theirs'], service: { id: theirs.id } });
    await admin.routes.put('other-controller', {
      paths: ['/other'],
      service: { id: theirs.id },
      tags: ['managed-by-someone-else'],
    });
    const editedRoute = h.routeOf(edited);
    await admin.routes.delete(interfaceName(deleted));
    await admin.routes.put(String(editedRoute?.id), { ...editedRoute, paths: ['/hijacked'], strip_path: true });

    const outcome = await h.controller.syncNow();
    expect(outcome).toMatchObject({ errors: 0 });
    expect(outcome?.driftRepairs).toBeGreaterThanOrEqual(3);
    expect(h.routeOf(deleted)).toBeDefined();
    expect(h.pluginsOf(deleted)).toHaveLength(1);
    expect(h.routeOf(edited)).toMatchObject({ id: editedRoute?.id, strip_path: false });
    expect(h.routeOf(edited)?.paths).not.toEqual(['/hijacked']);
    expect(await admin.routes.get('their-route')).toMatchObject({ paths: ['/theirs'] });
    expect(await admin.routes.get('other-controller')).toMatchObject({ tags: ['managed-by-someone-else'] });
    expect(await admin.services.get('theirs')).toBeDefined();
    const metrics = await h.testApp.app.server.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/wfb_kong_drift_repairs_total\{mode="db"\} [3-9]/);
    expect(metrics.body).toMatch(/wfb_kong_sync_writes_total\{mode="db",kind="route",action="upsert"\}/);
  });
});
