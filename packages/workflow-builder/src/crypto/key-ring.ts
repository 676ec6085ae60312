import { createSecretKey, type KeyObject, randomBytes, timingSafeEqual } from 'node:crypto';
import { decodeBase64Strict } from './base64.js';
import { KeyRingError, UnknownKeyError } from './errors.js';

/**
 * The key-encryption keys (KEKs) that wrap per-record data keys, parsed from
 * `ENCRYPTION_KEYS=id1:base64key1,id2:base64key2`. Several keys live side by side so
 * rotation can run online: add a new key, make it active, re-wrap records at leisure,
 * then drop the old one. Without an explicit active id the LAST entry is active, so
 * appending a key is the whole rotation step.
 *
 * Key material is held as KeyObjects inside a closure: the ring itself has nothing to
 * leak through logging, JSON.stringify or util.inspect, and no error message here ever
 * echoes a key (or any part of an entry that might be one).
 */
export const KEK_BYTES = 32;
const KEY_ID_PATTERN = /^[a-zA-Z0-9_-]{1,32}$/;

export interface KeyRing {
  readonly activeKeyId: string;
  has(id: string): boolean;
  /** Key ids in the order they were configured. */
  ids(): string[];
  /** The key-encryption key for `id`; throws UnknownKeyError. For the envelope layer only. */
  keyEncryptionKey(id: string): KeyObject;
}

export function isValidKeyId(id: string): boolean {
  return KEY_ID_PATTERN.test(id);
}

export function createKeyRing(spec: string, activeKeyId?: string): KeyRing {
  const entries = spec.trim() === '' ? [] : spec.split(',');
  if (entries.length === 0) throw new KeyRingError('no keys configured (expected id:base64key[,id:base64key...])');

  const keys = new Map<string, KeyObject>();
  const rawKeys: { id: string; bytes: Buffer }[] = [];
  entries.forEach((rawEntry, index) => {
    const position = `entry ${index + 1}`;
    const entry = rawEntry.trim();
    if (entry === '') throw new KeyRingError(`${position} is empty`);
    const separator = entry.indexOf(':');
    if (separator === -1) throw new KeyRingError(`${position} has no ":" (expected id:base64key)`);
    const id = entry.slice(0, separator);
    if (!isValidKeyId(id)) {
      throw new KeyRingError(`${position} has an invalid key id (must match ${KEY_ID_PATTERN.source})`);
    }
    if (keys.has(id)) throw new KeyRingError(`key id "${id}" appears more than once`);
    const bytes = decodeBase64Strict(entry.slice(separator + 1));
    if (bytes === undefined) throw new KeyRingError(`key "${id}" is not valid base64`);
    if (bytes.length !== KEK_BYTES) {
      throw new KeyRingError(`key "${id}" must decode to exactly ${KEK_BYTES} bytes (got ${bytes.length})`);
    }
    const twin = rawKeys.find((other) => other.bytes.length === bytes.length && timingSafeEqual(other.bytes, bytes));
    if (twin) throw new KeyRingError(`keys "${twin.id}" and "${id}" have identical key material`);
    rawKeys.push({ id, bytes });
    keys.set(id, createSecretKey(bytes));
  });
  for (const raw of rawKeys) raw.bytes.fill(0);

  const ids = [...keys.keys()];
  const active = activeKeyId ?? ids[ids.length - 1];
  if (active === undefined || !keys.has(active)) {
    const named = active !== undefined && isValidKeyId(active) ? `"${active}"` : 'given';
    throw new KeyRingError(`the active key id ${named} is not one of the configured keys`);
  }

  return Object.freeze({
    activeKeyId: active,
    has: (id: string) => keys.has(id),
    ids: () => [...ids],
    keyEncryptionKey: (id: string) => {
      const key = keys.get(id);
      if (!key) throw new UnknownKeyError(id);
      return key;
    },
  });
}

/** A fresh `id:base64key` entry to append to ENCRYPTION_KEYS (used by the CLI). */
export function generateKeySpecEntry(id: string): string {
  if (!isValidKeyId(id)) throw new KeyRingError(`invalid key id (must match ${KEY_ID_PATTERN.source})`);
  return `${id}:${randomBytes(KEK_BYTES).toString('base64')}`;
}
