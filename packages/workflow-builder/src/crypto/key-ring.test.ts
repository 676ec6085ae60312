import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { KeyRingError, UnknownKeyError } from './errors.js';
import { createKeyRing, generateKeySpecEntry } from './key-ring.js';

const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64');
const keyC = randomBytes(32).toString('base64url').replace(/=+$/, '');

function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    if (error instanceof Error) return error;
  }
  throw new Error('expected a throw');
}

describe('createKeyRing', () => {
  it('parses several keys and makes the last one active by default', () => {
    const ring = createKeyRing(`k1:${keyA}, k2:${keyB}`);
    expect(ring.ids()).toEqual(['k1', 'k2']);
    expect(ring.activeKeyId).toBe('k2');
    expect(ring.has('k1')).toBe(true);
    expect(ring.has('k3')).toBe(false);
  });

  it('honours an explicit active key id', () => {
    expect(createKeyRing(`k1:${keyA},k2:${keyB}`, 'k1').activeKeyId).toBe('k1');
  });

  it('accepts URL-safe base64 without padding', () => {
    expect(createKeyRing(`url_key-1:${keyC}`).ids()).toEqual(['url_key-1']);
  });

  it('returns a copy from ids()', () => {
    const ring = createKeyRing(`k1:${keyA}`);
    ring.ids().push('evil');
    expect(ring.ids()).toEqual(['k1']);
  });

  it('returns KeyObjects and throws UnknownKeyError for missing ids', () => {
    const ring = createKeyRing(`k1:${keyA}`);
    expect(ring.keyEncryptionKey('k1').symmetricKeySize).toBe(32);
    const error = thrown(() => ring.keyEncryptionKey('gone'));
    expect(error).toBeInstanceOf(UnknownKeyError);
    expect(error.message).toContain('"gone"');
  });

  it.each([
    ['', /no keys configured/],
    ['   ', /no keys configured/],
    [`k1:${keyA},`, /entry 2 is empty/],
    [`${keyA}`, /entry 1 has no ":"/],
    [`bad id:${keyA}`, /entry 1 has an invalid key id/],
    [`${'x'.repeat(33)}:${keyA}`, /entry 1 has an invalid key id/],
    [`:${keyA}`, /entry 1 has an invalid key id/],
    [`k1:${keyA},k1:${keyB}`, /key id "k1" appears more than once/],
    [`k1:${randomBytes(16).toString('base64')}`, /key "k1" must decode to exactly 32 bytes \(got 16\)/],
    [`k1:${randomBytes(33).toString('base64')}`, /exactly 32 bytes \(got 33\)/],
    [`k1:${keyA.slice(0, 20)}!${keyA.slice(21)}`, /key "k1" is not valid base64/],
    [`k1:${'A'.repeat(42)}B=`, /key "k1" is not valid base64/],
    [`k1:${keyA},k2:${keyA}`, /keys "k1" and "k2" have identical key material/],
  ])('refuses %j', (spec, message) => {
    const error = thrown(() => createKeyRing(spec));
    expect(error).toBeInstanceOf(KeyRingError);
    expect(error.message).toMatch(message);
  });

  it('refuses an active key id that is not configured', () => {
    expect(() => createKeyRing(`k1:${keyA}`, 'k9')).toThrow(/active key id "k9" is not one of/);
  });

  it('never puts key material in error messages', () => {
    const specs = [
      keyA,
      `${keyA}:k1`,
      `k1:${keyA},k1:${keyB}`,
      `k1:${keyA}x`,
      `k1:${keyA},k2:${keyA}`,
      `k1:${randomBytes(31).toString('base64')}`,
    ];
    for (const spec of specs) {
      const message = thrown(() => createKeyRing(spec)).message;
      for (const key of [keyA, keyB, keyA.slice(0, 12), keyB.slice(0, 12)]) expect(message).not.toContain(key);
    }
    const activeMessage = thrown(() => createKeyRing(`k1:${keyA}`, keyB)).message;
    expect(activeMessage).not.toContain(keyB.slice(0, 12));
  });

  it('does not expose key material through inspection or JSON', () => {
    const ring = createKeyRing(`k1:${keyA},k2:${keyB}`);
    const rendered = `${inspect(ring, { depth: 5, showHidden: true })}${JSON.stringify(ring)}`;
    const hexA = Buffer.from(keyA, 'base64').toString('hex');
    expect(rendered).not.toContain(keyA);
    expect(rendered).not.toContain(hexA.slice(0, 16));
    expect(Object.isFrozen(ring)).toBe(true);
  });
});

describe('generateKeySpecEntry', () => {
  it('produces an entry createKeyRing accepts, with a fresh key every time', () => {
    const first = generateKeySpecEntry('2025-01');
    const second = generateKeySpecEntry('2025-02');
    expect(first).toMatch(/^2025-01:[A-Za-z0-9+/]{43}=$/);
    expect(first.split(':')[1]).not.toBe(second.split(':')[1]);
    expect(createKeyRing(`${first},${second}`).activeKeyId).toBe('2025-02');
  });

  it('refuses invalid ids', () => {
    expect(() => generateKeySpecEntry('no spaces')).toThrow(KeyRingError);
  });
});
