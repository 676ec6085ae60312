import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

/**
 * Compares a value with its golden file under testing/golden/, as JSON (formatting is the
 * formatter's business). After a deliberate change, delete the file and run the test once:
 * a missing golden file is written and the test fails, so CI never passes on a fresh one.
 */
export async function expectGolden(name: string, actual: unknown): Promise<void> {
  const path = fileURLToPath(new URL(`./golden/${name}`, import.meta.url));
  const normalized: unknown = JSON.parse(JSON.stringify(actual));
  if (!existsSync(path)) {
    writeFileSync(path, `${JSON.stringify(normalized, null, 2)}\n`);
    throw new Error(`golden file ${name} was missing and has been written; check it and run again`);
  }
  expect(normalized).toEqual(JSON.parse(readFileSync(path, 'utf8')));
}
