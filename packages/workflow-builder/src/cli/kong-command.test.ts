import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createKongAdminClient, readManagedState } from '../kong/admin-client.js';
import { isJsonObject } from '../kong/kong-types.js';
import { type KongStandIn, startKongStandIn } from '../kong/testing/stand-in.js';

/**
 * `wfb kong export | sync | diff` as processes on a PGlite data directory: the export is
 * accepted by DB-less Kong's `/config` as printed (stdout holds nothing but the YAML), sync
 * writes a DB-mode Kong, and diff then has nothing left. (Interfaces themselves are covered
 * by the controller tests; this is the command plumbing.)
 */
const packageDir = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

function wfb(args: string[], env: Record<string, string>) {
  return run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: packageDir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', ...env },
  });
}

describe('wfb kong', () => {
  let dbless: KongStandIn;
  let db: KongStandIn;
  const dataDir = mkdtempSync(join(tmpdir(), 'wfb-kong-cli-'));
  beforeAll(async () => {
    dbless = await startKongStandIn({ dbless: true });
    db = await startKongStandIn();
  });
  afterAll(async () => {
    await dbless.close();
    await db.close();
  });

  it('exports a kong.yml that DB-less Kong loads, syncs a DB-mode Kong, then diffs clean', async () => {
    const env = { DATA_DIR: dataDir, KONG_UPSTREAM_URL: 'http://builder:3000' };
    const exported = await wfb(['kong', 'export'], env);
    const file = join(dataDir, 'kong.yml');
    expect((await wfb(['kong', 'export', '--output', file], env)).stdout).toBe('');
    expect(readFileSync(file, 'utf8')).toBe(exported.stdout);
    const config: unknown = parseYaml(exported.stdout);
    if (!isJsonObject(config)) throw new Error('the export is not a YAML mapping');
    await createKongAdminClient({ baseUrl: dbless.url, retries: 0 }).postConfig(config);
    const loaded = await readManagedState(createKongAdminClient({ baseUrl: dbless.url }));
    expect(loaded.routes.map((route) => route.name).sort()).toEqual(['wfb-openapi', 'wfb-whoami']);

    const withKong = { ...env, KONG_ADMIN_URL: db.url };
    expect((await wfb(['kong', 'diff'], withKong)).stdout).toContain('5 change(s) in db mode');
    expect((await wfb(['kong', 'sync'], withKong)).stdout).toContain('0 public interfaces');
    expect(db.store.entities.routes.size).toBe(2);
    expect((await wfb(['kong', 'diff'], withKong)).stdout).toContain('Kong is in sync');
    await expect(wfb(['kong', 'push'], withKong)).rejects.toMatchObject({ code: 2 });
  }, 120_000);
});
