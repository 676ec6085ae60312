import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EnvError, parseEnv } from '../../env.js';
import { resolveKeyRing } from './encryption-keys.js';
import { newKey, oldKey } from './testing/fixtures.js';

describe('resolveKeyRing', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wfb-keys-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('generates a dev key once into DATA_DIR (mode 0600) and reuses it', () => {
    const first = resolveKeyRing(parseEnv({ DATA_DIR: dataDir }));
    const second = resolveKeyRing(parseEnv({ DATA_DIR: dataDir }));
    expect(first.ids()).toEqual(['dev']);
    expect(readdirSync(dataDir)).toEqual(['encryption-key.secret']);
    expect(statSync(join(dataDir, 'encryption-key.secret')).mode & 0o777).toBe(0o600);
    expect(second.keyEncryptionKey('dev').export().equals(first.keyEncryptionKey('dev').export())).toBe(true);
  });

  it('uses ENCRYPTION_KEYS with the last key active unless ENCRYPTION_ACTIVE_KEY_ID says otherwise', () => {
    expect(resolveKeyRing(parseEnv({ ENCRYPTION_KEYS: `${oldKey},${newKey}` })).activeKeyId).toBe('new');
    const pinned = parseEnv({ ENCRYPTION_KEYS: `${oldKey},${newKey}`, ENCRYPTION_ACTIVE_KEY_ID: 'old' });
    expect(resolveKeyRing(pinned).activeKeyId).toBe('old');
    expect(() => resolveKeyRing(parseEnv({ ENCRYPTION_KEYS: 'k1:not-base64!' }))).toThrow(/ENCRYPTION_KEYS/);
  });

  it('refuses production without ENCRYPTION_KEYS, naming the variable', () => {
    const failure = (() => {
      try {
        parseEnv({ NODE_ENV: 'production' });
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(failure).toBeInstanceOf(EnvError);
    expect((failure as EnvError).problems.join('\n')).toContain('ENCRYPTION_KEYS');
  });
});
