import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

/** The real entry point as a process: zero-config start on PGlite, env errors, SIGTERM drain. */
const packageDir = fileURLToPath(new URL('..', import.meta.url));

function start(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: packageDir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
  createInterface({ input: child.stderr }).on('line', (line) => lines.push(line));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, lines, exited };
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('main process', () => {
  let running: ChildProcess | undefined;
  afterEach(() => {
    running?.kill('SIGKILL');
  });

  it('starts with no configuration on PGlite, serves /healthz, and drains on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wfb-main-'));
    const { child, lines, exited } = start({ DATA_DIR: dataDir, PORT: '0' });
    running = child;
    const url = await waitFor(() => {
      for (const line of lines) {
        const match = /listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
        if (match?.[1]) return match[1];
      }
      return undefined;
    });
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(await ready.json()).toMatchObject({ status: 'ready' });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(lines.some((line) => line.includes('shutdown complete'))).toBe(true);
  });

  it('refuses to start in production without its required parts, naming each variable', async () => {
    const { child, lines, exited } = start({ NODE_ENV: 'production', PORT: 'x' });
    running = child;
    expect(await exited).toBe(2);
    const output = lines.join('\n');
    for (const name of ['PORT', 'DATABASE_URL', 'API_KEY_PEPPER', 'TEMPORAL_ADDRESS']) expect(output).toContain(name);
  });
});
