import { z } from 'zod';

/**
 * The one rule every text a procedure accepts follows. Postgres refuses U+0000 in text
 * (22021) and in jsonb (22P05), and a lone UTF-16 surrogate cannot be encoded as UTF-8 at
 * all (the driver would store U+FFFD, or jsonb refuses its `\ud800` escape): both are the
 * caller's mistake, answered here with the field named instead of failing in the database.
 */

/** In `u` mode a proper surrogate pair is one code point, so only a lone half matches. */
const loneSurrogate = /[\uD800-\uDFFF]/u;

/** Why `value` cannot be stored as text, or undefined when it can. */
export function textProblem(value: string): string | undefined {
  if (value.includes('\u0000')) return 'must not contain NUL (U+0000)';
  if (loneSurrogate.test(value)) return 'must be well-formed Unicode (no lone surrogate)';
  return undefined;
}

function checkText(context: { value: string; issues: z.core.$ZodRawIssue[] }): void {
  const problem = textProblem(context.value);
  if (problem) context.issues.push({ code: 'custom', message: problem, input: context.value });
}

/** Every string input: `text().trim().min(1).max(100)` and so on, never a bare `z.string()`. */
export function text() {
  return z.string().check(checkText);
}

/**
 * Postgres reads the ISO text the driver sends for a Date only for years 1 to 9999; JS
 * writes other years as `+010000-…` or `-000001-…`, which Postgres refuses (22008/22009).
 */
const earliest = new Date('0001-01-01T00:00:00.000Z');
const latest = new Date('9999-12-31T23:59:59.999Z');

/** Every date input: a Date or an ISO string, within the years Postgres round-trips. */
export function timestamp() {
  return z.coerce
    .date()
    .min(earliest, 'must be in the years 0001 to 9999')
    .max(latest, 'must be in the years 0001 to 9999');
}

/** Where `value` breaks the JSON rule (a JSON Pointer and the reason), or undefined. */
export function jsonProblem(value: unknown): { path: string; message: string } | undefined {
  // Iterative: depth is limited where the value's meaning is known (schema-walk.ts), not here.
  const stack: Array<{ node: unknown; path: string }> = [{ node: value, path: '' }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { node, path } = item;
    // `undefined` is what JSON.stringify leaves out; a caller in-process may pass it.
    if (node === null || node === undefined || typeof node === 'boolean') continue;
    if (typeof node === 'number') {
      if (!Number.isFinite(node)) return { path, message: 'numbers must be finite' };
      continue;
    }
    if (typeof node === 'string') {
      const problem = textProblem(node);
      if (problem) return { path, message: `strings ${problem}` };
      continue;
    }
    if (Array.isArray(node)) {
      node.forEach((child, index) => {
        stack.push({ node: child, path: `${path}/${index}` });
      });
      continue;
    }
    const prototype = typeof node === 'object' ? Object.getPrototypeOf(node) : undefined;
    if (prototype !== Object.prototype && prototype !== null) {
      return { path, message: 'must be a JSON value' };
    }
    for (const [key, child] of Object.entries(node)) {
      // The bad key itself is not echoed: its parent's pointer says where it is.
      const problem = textProblem(key);
      if (problem) return { path, message: `keys ${problem}` };
      stack.push({ node: child, path: `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}` });
    }
  }
  return undefined;
}

/** Any JSON value (e.g. a JSON Schema) whose strings and keys follow the text rule. */
export const jsonValue = z.unknown().check((context) => {
  const problem = jsonProblem(context.value);
  if (problem) {
    context.issues.push({ code: 'custom', message: `${problem.message} (at "${problem.path}")`, input: context.value });
  }
});
