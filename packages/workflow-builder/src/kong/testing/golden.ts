import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

/**
 * Golden files under src/kong/testing/golden/: the expected Kong JSON, reviewed in diffs.
 * `UPDATE_GOLDEN=1` rewrites them from the current output instead of comparing.
 */
export function expectGolden(name: string, actual: unknown): void {
  const path = fileURLToPath(new URL(`./golden/${name}`, import.meta.url));
  const text = `${JSON.stringify(actual, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(path)) {
    writeFileSync(path, text);
    if (process.env.UPDATE_GOLDEN !== '1') throw new Error(`golden file ${name} was missing and has been written`);
    return;
  }
  expect(JSON.parse(text)).toEqual(JSON.parse(readFileSync(path, 'utf8')));
}
