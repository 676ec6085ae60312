import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKongAdminClient, readManagedState } from './admin-client.js';
import { KongAdminError } from './admin-errors.js';
import { applyPlan } from './apply-plan.js';
import { buildDeclarativeConfig, parseBaseConfig } from './declarative-config.js';
import { attributeFlattenedErrors, parseFlattenedErrors } from './flattened-errors.js';
import { plan } from './plan.js';
import { fixtureOptions, fixtureRows } from './testing/fixtures.js';
import { expectGolden } from './testing/golden.js';
import { type KongStandIn, startKongStandIn } from './testing/stand-in.js';
import { translate } from './translate.js';

/** translate → plan/apply (DB mode) and translate → declarative config (DB-less), end to end against the stand-in. */
const baseFile = fileURLToPath(new URL('../../../../kong/kong.yml', import.meta.url));

describe('declarative config', () => {
  it('nests the desired state the way kong.yml does (golden)', async () => {
    const config = buildDeclarativeConfig(translate(fixtureRows, fixtureOptions).state);
    await expectGolden('declarative-config.json', config);
  });

  it('merges a base file: keeps what we do not manage, replaces what carries our names', () => {
    const base = parseBaseConfig(`
_format_version: "3.0"
consumers:
  - username: ops
services:
  - name: wfb-gateway
    url: http://old:1
    routes: [{ name: wfb-api-v1, paths: [/api/v1] }]
  - name: other
    url: http://other:80
routes:
  - name: wfb-whoami
    paths: [/api/v1/whoami]
    service: other
`);
    const config = buildDeclarativeConfig(translate(fixtureRows, fixtureOptions).state, base);
    const services = config.services as { name: string; routes?: { name: string }[] }[];
    expect(services.map((service) => service.name)).toEqual(['other', 'wfb-gateway']);
    expect(JSON.stringify(config)).not.toContain('wfb-api-v1');
    expect(config.routes).toBeUndefined();
    expect(config.consumers).toEqual([{ username: 'ops' }]);
    expect(() => buildDeclarativeConfig({ services: [], routes: [], plugins: [] }, { _format_version: '2.1' })).toThrow(
      /only 3\.0/,
    );
  });
});

describe('flattened errors', () => {
  it("reads Kong's shape leniently and attributes by tag, else by route name", () => {
    const parsed = parseFlattenedErrors({
      code: 14,
      flattened_errors: [
        {
          entity_type: 'route',
          entity_name: 'wfb-interface-a',
          errors: [{ type: 'field', field: 'paths.1', message: 'bad' }],
        },
        {
          entity_type: 'plugin',
          entity_tags: ['managed-by-wfb', 'wfb-interface-b'],
          errors: [{ type: 'entity', message: 'no' }],
        },
        {
          entity_type: 'service',
          entity_name: 'wfb-gateway',
          errors: [{ type: 'field', field: 'host', message: 'x' }],
        },
        { entity_type: 3, errors: [] },
        'garbage',
      ],
    });
    expect(parsed).toHaveLength(3);
    const { byInterface, unattributed } = attributeFlattenedErrors(parsed);
    expect(Object.fromEntries(byInterface)).toEqual({
      a: ['route wfb-interface-a: paths.1: bad'],
      b: ['plugin: no'],
    });
    expect(unattributed.map((error) => error.entity_name)).toEqual(['wfb-gateway']);
  });
});

describe('DB-less sync against the stand-in', () => {
  let kong: KongStandIn;
  beforeAll(async () => {
    kong = await startKongStandIn({ dbless: true });
  });
  afterAll(() => kong.close());

  it("is accepted by /config with the repository's kong.yml merged in, and then needs no change", async () => {
    const client = createKongAdminClient({ baseUrl: kong.url });
    const { state } = translate(fixtureRows, { ...fixtureOptions, mode: 'dbless' });
    const config = buildDeclarativeConfig(state, parseBaseConfig(readFileSync(baseFile, 'utf8')));
    await client.postConfig(config);
    const live = await readManagedState(client);
    expect(live.routes.map((route) => route.name).sort()).toEqual(state.routes.map((route) => route.name).sort());
    expect(plan(state, live)).toEqual([]);
  });

  it('maps flattened errors back to the public interfaces they concern', async () => {
    const client = createKongAdminClient({ baseUrl: kong.url });
    // DB mode allows the cluster policy; DB-less Kong refuses it on every limited interface.
    const { state } = translate(fixtureRows, { ...fixtureOptions, rateLimit: { policy: 'cluster' } });
    const error = await client.postConfig(buildDeclarativeConfig(state)).catch((caught: unknown) => caught);
    if (!(error instanceof KongAdminError)) throw new Error('expected Kong to refuse the config');
    const { byInterface, unattributed } = attributeFlattenedErrors(error.flattenedErrors);
    expect([...byInterface.keys()].sort()).toEqual([
      '11111111-1111-4111-8111-111111111111',
      '33333333-3333-4333-8333-333333333333',
    ]);
    expect(byInterface.get('11111111-1111-4111-8111-111111111111')).toEqual([
      'plugin rate-limiting: config.policy: expected one of: local, redis',
    ]);
    expect(unattributed).toEqual([]);
  });
});

describe('DB-mode sync against the stand-in', () => {
  let kong: KongStandIn;
  beforeAll(async () => {
    kong = await startKongStandIn();
  });
  afterAll(() => kong.close());

  it('applies a plan over HTTP, converges, and isolates an entity Kong refuses', async () => {
    const client = createKongAdminClient({ baseUrl: kong.url, retries: 0 });
    const { state } = translate(fixtureRows, fixtureOptions);
    const first = await applyPlan(client, plan(state, await readManagedState(client)));
    expect(first.failed).toEqual([]);
    expect(plan(state, await readManagedState(client))).toEqual([]);

    // Someone else's route already holds one of our names: that interface fails, the rest lands.
    const name = 'wfb-interface-22222222-2222-4222-8222-222222222222';
    await client.routes.delete(name);
    const theirs = await client.services.put('theirs', { host: 'x' });
    await client.routes.put(name, { paths: ['/theirs'], service: { id: theirs.id } });
    const changed = translate(
      fixtureRows.map((row) => ({ ...row, rateLimitPerMinute: row.rateLimitPerMinute === null ? null : 7 })),
      fixtureOptions,
    ).state;
    const second = await applyPlan(client, plan(changed, await readManagedState(client)));
    expect(second.failed.map((failure) => failure.operation.publicInterfaceId)).toEqual([
      '22222222-2222-4222-8222-222222222222',
    ]);
    expect(second.failed[0]?.error).toMatchObject({ status: 409, code: 5 });
    expect(second.applied.filter((operation) => operation.kind === 'plugin')).toHaveLength(2);
  });
});
