import { describe, expect, it } from 'vitest';
import { displayHint, generateApiKey, hashApiKey, parseApiKey, pepperKey } from './api-key-format.js';

describe('api key format', () => {
  it('generates wfb_<env>_ + 43 base62 + 6-char checksum keys that parse', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const { plaintext, hint } = generateApiKey('live');
      expect(plaintext).toMatch(/^wfb_live_[0-9A-Za-z]{49}$/);
      expect(parseApiKey(plaintext)).toEqual({ ok: true, environment: 'live' });
      expect(hint).toBe(`wfb_live_…${plaintext.slice(-4)}`);
      seen.add(plaintext);
    }
    expect(seen.size).toBe(500);
  });

  it('rejects every single-character typo through the checksum', () => {
    const { plaintext } = generateApiKey('test');
    let caught = 0;
    let tried = 0;
    for (let index = 'wfb_test_'.length; index < plaintext.length; index++) {
      const original = plaintext[index];
      const replacement = original === 'a' ? 'b' : 'a';
      tried += 1;
      if (!parseApiKey(plaintext.slice(0, index) + replacement + plaintext.slice(index + 1)).ok) caught += 1;
    }
    expect(caught).toBe(tried);
  });

  it('still accepts keys issued before (checksums with the high bit set, and zero-padded)', () => {
    for (const issued of [
      'wfb_live_7IbwufRRZVjHXXaRdTx9XsF24CJxmVNsz6xW1ODNU1d4b7KDp',
      'wfb_live_n0MKW8M63Ac3xi9o7MeQQwdffGBxSXf3ZF33hqwlc9N3WfG9q',
      'wfb_live_WkJ6QBeUJooCcAtiLpZCBJvHbeAq6tBklzVySl6XKzU2iYtgV',
      'wfb_live_0pmZcBp3KXzhiyh6X1WIAKdbiZeojJzBsXMhPX0SzDi0evIyn',
    ]) {
      expect(parseApiKey(issued)).toEqual({ ok: true, environment: 'live' });
    }
  });

  it('rejects other shapes', () => {
    for (const candidate of ['', 'wfb_', 'wfb_test', 'sk_live_abc', `wfb_TEST_${'a'.repeat(49)}`, 'x'.repeat(5000)]) {
      expect(parseApiKey(candidate).ok).toBe(false);
    }
  });

  it('hashes with the pepper: same key, other pepper → other digest', () => {
    const { plaintext } = generateApiKey('test');
    expect(hashApiKey('p1', plaintext)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey('p1', plaintext)).not.toBe(hashApiKey('p2', plaintext));
    expect(hashApiKey(pepperKey('p1'), plaintext)).toBe(hashApiKey('p1', plaintext));
    expect(hashApiKey(pepperKey('pépper'), plaintext)).toBe(hashApiKey('pépper', plaintext));
    expect(displayHint(plaintext)).not.toContain(plaintext.slice(9, 20));
  });
});
