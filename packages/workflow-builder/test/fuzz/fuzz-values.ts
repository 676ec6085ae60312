import fc from 'fast-check';

/**
 * Values an outside caller may send that a schema or a database may not expect: NUL, lone
 * surrogates, huge strings, deep nesting, numbers at the edges of IEEE 754 and numbers
 * written as strings. Shared by the tRPC and the /api/v1 fuzz tests.
 */
function nested(depth: number, leaf: unknown): unknown {
  let value: unknown = leaf;
  for (let level = 0; level < depth; level += 1) value = level % 2 === 0 ? [value] : { a: value };
  // fast-check prints a counterexample recursively: it would overflow before saying what failed.
  // A symbol key is invisible to JSON.stringify, Object.entries and zod.
  return Object.assign(value as object, { [fc.toStringMethod]: () => `nested(${depth}, ${JSON.stringify(leaf)})` });
}

const hugeString = 'x'.repeat(70_000);

export const nastyStrings = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'a\udfffb',
  '\ud83d\ude00',
  '\u202e\ufeff',
  'NaN',
  '-0',
  '1e308',
  'Infinity',
  '__proto__',
  'constructor',
  '../../etc/passwd',
  '%00',
  '%',
  'a\r\nb',
  "'; drop table projects; --",
  '00000000-0000-0000-0000-000000000000',
  hugeString,
];

export const nastyNumbers = [0, -0, 1, -1, 1.5, 1e308, -1e308, 5e-324, 2 ** 31, 2 ** 53, -(2 ** 53), 2 ** 64];

/**
 * Deep enough to overflow a naive recursive walker, shallow enough for JSON.stringify (which
 * itself overflows near 5,000 levels); deeper JSON comes as raw text (rawJsonText).
 */
export const deepValues = [nested(70, 1), nested(1_000, 'x'), nested(2_500, null)];

/** Strings from every corner: any code unit (lone surrogates too), ASCII, or the list above. */
export const anyString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...nastyStrings),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 40 }),
);

/**
 * What an HTTP/1.1 parser lets through as a header value (field-value: HTAB, SP, visible
 * ASCII, obs-text): Node refuses anything else on the socket before our code runs.
 */
const headerChar = fc.oneof(
  fc.integer({ min: 0x20, max: 0x7e }),
  fc.integer({ min: 0x80, max: 0xff }),
  fc.constant(0x09),
);
export const headerValue: fc.Arbitrary<string> = fc.oneof(
  fc.array(headerChar, { maxLength: 60 }).map((codes) => String.fromCharCode(...codes)),
  fc.constantFrom('', ' ', 'null', '%00', '\\u0000', 'x'.repeat(8_000), '\u00ff\u00fe'),
);

/** A JSON value made of the nasty parts, nested a little. */
export const nastyJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    anyString,
    fc.constantFrom(...nastyNumbers),
    fc.constantFrom(true, false, null),
    fc.constantFrom(...deepValues),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(anyString, tie('value'), { maxKeys: 3 }),
  ),
})).value;

/** A JSON text that may not parse: truncated, trailing garbage, NUL, lone surrogate escapes, BOM. */
export const rawJsonText: fc.Arbitrary<string> = fc.oneof(
  nastyJson.map((value) => JSON.stringify(value) ?? 'null'),
  fc.constantFrom(
    '',
    '{',
    '{"a":',
    '[1,2',
    'null',
    '"\\u0000"',
    '{"\\u0000":1}',
    '"\\ud800"',
    '{"a":1}garbage',
    '\ufeff{}',
    '{"__proto__":{"polluted":true}}',
    '[1e999]',
    '-0',
    `${'['.repeat(6_000)}${']'.repeat(6_000)}`,
    `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`,
  ),
);
