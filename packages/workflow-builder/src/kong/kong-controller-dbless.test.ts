import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { driverKinds } from '../../test/databases.js';
import { eventually } from '../../test/eventually.js';
import { parseEnv } from '../env.js';
import { kongTranslationOf } from '../settings.js';
import { createKongAdminClient, emptyConfigurationHash, readManagedState } from './admin-client.js';
import { exportKongConfig } from './kong-sync.js';
import { isJsonObject } from './kong-types.js';
import { plan } from './plan.js';
import { type ControllerHarness, startControllerHarness } from './testing/controller-harness.js';
import { startKongStandIn } from './testing/stand-in.js';
import { translate } from './translate.js';

/** DB-less specifics: Kong restarted empty, a foreign push, the base file's entities, 429, and the export. */
const baseConfig = `
_format_version: "3.0"
consumers:
  - username: ops
services:
  - name: theirs
    url: http://theirs.example.test
    routes:
      - name: their-route
        paths: [/theirs]
      - name: other-controller
        paths: [/other]
        tags: [managed-by-someone-else]
  - name: wfb-gateway
    url: http://builder:3000
    tags: [managed-by-wfb]
    routes:
      - name: wfb-api-v1
        paths: [/api/v1]
        tags: [managed-by-wfb]
`;

function writeBase(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'wfb-kong-')), 'kong.yml');
  writeFileSync(path, baseConfig);
  return path;
}

describe.each(driverKinds)('Kong controller, DB-less specifics on %s (database)', (kind) => {
  let h: ControllerHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('pushes again after Kong restarts empty or takes a foreign config, and keeps the base entities', async () => {
    const harness = await startControllerHarness(kind, 'dbless', { env: { KONG_BASE_CONFIG: writeBase() } });
    h = harness;
    const id = await harness.publish({ rateLimitPerMinute: 5 });
    await eventually(async () => (await harness.statusOf(id)) === 'synced');
    const names = () => [...harness.kong.store.entities.routes.values()].map((route) => route.name).sort();
    expect(names()).toEqual(
      ['other-controller', 'their-route', 'wfb-openapi', 'wfb-whoami', `wfb-interface-${id}`].sort(),
    );
    expect(harness.kong.store.entities.services.size).toBe(2);

    harness.kong.restart();
    expect(harness.kong.configurationHash).toBe(emptyConfigurationHash);
    const restored = await harness.controller.syncNow();
    expect(restored).toMatchObject({ writes: 1, driftRepairs: 1, skipped: false });
    expect(harness.routeOf(id)).toBeDefined();

    const admin = createKongAdminClient({ baseUrl: harness.kong.url, retries: 0 });
    await admin.postConfig({ _format_version: '3.0' });
    expect(harness.routeOf(id)).toBeUndefined();
    expect(await harness.controller.syncNow()).toMatchObject({ writes: 1, driftRepairs: 1 });
    expect(names()).toContain('their-route');
    expect(harness.pluginsOf(id)).toHaveLength(1);
    expect(await harness.controller.syncNow()).toMatchObject({ writes: 0, skipped: true });
  });

  it('waits out 429 + Retry-After while Kong loads a previous configuration', async () => {
    const waits: number[] = [];
    const harness = await startControllerHarness(kind, 'dbless', {
      transport: {
        retries: 2,
        sleep: async (ms) => {
          waits.push(ms);
        },
      },
    });
    h = harness;
    await eventually(async () => harness.controller.health().lastPassAt !== null);
    harness.kong.faults.rateLimitConfigPushes(1, 2);
    const id = await harness.publish();
    await eventually(async () => (await harness.statusOf(id)) === 'synced');
    expect(waits).toEqual([2000]);
    expect(harness.controller.health().consecutiveFailures).toBe(0);
  });

  it('exports a kong.yml that DB-less Kong accepts as it is, with nothing left to change', async () => {
    const harness = await startControllerHarness(kind, 'db');
    h = harness;
    const limited = await harness.publish({ rateLimitPerMinute: 9 });
    await harness.publish();
    const settings = kongTranslationOf(parseEnv({ KONG_UPSTREAM_URL: 'http://builder:3000' }));
    if (!settings) throw new Error('no Kong settings');
    const exported = await exportKongConfig(harness.testApp.database, settings);
    expect(exported.rejected).toEqual([]);
    const parsed: unknown = parseYaml(exported.yaml);
    if (!isJsonObject(parsed)) throw new Error('export is not a mapping');

    const dbless = await startKongStandIn({ dbless: true });
    try {
      const admin = createKongAdminClient({ baseUrl: dbless.url, retries: 0 });
      await admin.postConfig(parsed);
      const live = await readManagedState(admin);
      expect(live.routes.map((route) => route.name)).toContain(`wfb-interface-${limited}`);
      const rows = (await harness.caller().publicInterfaces.list({ projectId: harness.projectId })).map((view) => ({
        publicInterfaceId: view.id,
        projectId: view.projectId,
        routeHash: view.routeHash,
        method: view.method,
        path: view.path,
        rateLimitPerMinute: view.rateLimitPerMinute,
        enabled: view.enabled,
      }));
      const desired = translate(rows, { ...settings, mode: 'dbless' }).state;
      expect(plan(desired, live)).toEqual([]);
    } finally {
      await dbless.close();
    }
  });
});
