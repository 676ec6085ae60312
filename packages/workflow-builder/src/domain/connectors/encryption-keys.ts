import { loadOrCreateDevSecret } from '../../auth/dev-secrets.js';
import { createKeyRing, type KeyRing } from '../../crypto/key-ring.js';
import type { Queryable } from '../../db/tx.js';
import type { Env } from '../../env.js';
import { listStoredKeyIds } from './key-rotation.store.js';

/**
 * The key ring for connector credentials. Production must be given ENCRYPTION_KEYS
 * (env.ts refuses to start without it); local runs get a generated key kept in DATA_DIR
 * so credentials survive restarts, like the other dev secrets.
 */
export function resolveKeyRing(env: Env): KeyRing {
  if (env.ENCRYPTION_KEYS) return createKeyRing(env.ENCRYPTION_KEYS, env.ENCRYPTION_ACTIVE_KEY_ID);
  if (env.NODE_ENV === 'production') throw new Error('ENCRYPTION_KEYS is required in production');
  return createKeyRing(`dev:${loadOrCreateDevSecret(env.DATA_DIR, 'encryption-key', 32)}`);
}

export class MissingEncryptionKeyError extends Error {
  override name = 'MissingEncryptionKeyError';
}

/**
 * Startup check: every key id that stored ciphertext names must be in the ring. Failing
 * here, naming the id, beats failing on the first use of some connector hours later.
 */
export async function assertStoredKeysInRing(db: Queryable, ring: KeyRing): Promise<void> {
  const missing = (await listStoredKeyIds(db)).filter((use) => !ring.has(use.keyId));
  if (missing.length === 0) return;
  const described = missing
    .map((use) => `"${use.keyId}" (${use.connectors} connectors, ${use.oauthStates} pending OAuth states)`)
    .join(', ');
  throw new MissingEncryptionKeyError(
    `stored credentials use encryption key id(s) missing from ENCRYPTION_KEYS: ${described}; add the key(s) back, then run \`wfb rotate-keys\``,
  );
}
