import type { Options } from 'ajv';
import { RE2JS } from 're2js';

/**
 * Ajv's regular-expression engine for user-written schemas. Native RegExp backtracks, so one
 * `"pattern": "^(a+)+$"` could hold the event loop for every tenant; RE2 matches in time
 * linear in the input and refuses what it cannot match that way (backreferences,
 * lookaround), so such patterns are rejected when the schema is saved.
 */
type RegExpEngine = NonNullable<NonNullable<Options['code']>['regExp']>;

export interface PatternProblem {
  /** RE2's reason, e.g. "invalid or unsupported Perl syntax: `(?=`". */
  message: string;
}

/** ECMA-262 escapes (`\u00e9`, `\u{1F600}`, named groups) are translated to RE2 syntax first. */
function compileRe2(pattern: string): RE2JS {
  return RE2JS.compile(RE2JS.translateRegExp(pattern));
}

/** Why RE2 cannot run `pattern`, or `undefined` when it can. */
export function re2Problem(pattern: string): PatternProblem | undefined {
  try {
    compileRe2(pattern);
    return undefined;
  } catch (error) {
    return { message: error instanceof Error ? error.message : 'not a valid regular expression' };
  }
}

/**
 * Ajv passes the `u` flag (unicodeRegExp); RE2 always matches by code point, so flags are
 * ignored. `test` finds a match anywhere, as JSON Schema's `pattern` requires. Ajv shares one
 * compiled pattern per `toString()` value across all schemas of an instance, so it must be
 * unique per pattern (Object's default "[object Object]" would make every pattern the first).
 */
export const re2RegExp: RegExpEngine = Object.assign(
  (pattern: string, _flags: string) => {
    const compiled = compileRe2(pattern);
    return { test: (input: string) => compiled.test(input), toString: () => `re2:${pattern}` };
  },
  // Only used by Ajv's standalone code generation, which this service does not use.
  { code: 'require("re2js").RE2JS.compile' },
);
