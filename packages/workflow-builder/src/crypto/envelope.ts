import { randomBytes } from 'node:crypto';
import { open, seal } from './aes-gcm.js';
import {
  assertContext,
  assertFieldName,
  dataKeyAssociatedData,
  ENVELOPE_VERSION,
  type EncryptedRecord,
  fieldAssociatedData,
  parseEncryptedRecord,
  type RecordContext,
} from './envelope-format.js';
import { DecryptionError, EnvelopeFormatError, FieldTooLargeError } from './errors.js';
import type { KeyRing } from './key-ring.js';

/**
 * Envelope encryption for connector credentials. Each record gets a fresh 32-byte data
 * key (DEK) that encrypts all of its fields; the DEK is stored wrapped by the ring's
 * active key-encryption key (KEK). Consequences that motivate the design:
 * - rotating a KEK only re-wraps 60-odd bytes per record (`rewrapRecord`), online;
 * - every field's associated data names project, connector and field, and the wrapped
 *   DEK's names project, connector and KEK id, so a ciphertext copied to another row or
 *   another field fails authentication instead of decrypting in the wrong place;
 * - random 96-bit IVs are safe here: a DEK encrypts a handful of fields, and each KEK
 *   wraps one DEK per write, far below the 2^32 messages-per-key bound for random IVs.
 */
export const MAX_FIELD_BYTES = 16 * 1024;
const DATA_KEY_BYTES = 32;

export type { EncryptedRecord, RecordContext } from './envelope-format.js';
export { parseEncryptedRecord };

export function assertFieldSize(field: string, value: string, maxBytes = MAX_FIELD_BYTES): void {
  const size = Buffer.byteLength(value, 'utf8');
  if (size > maxBytes) throw new FieldTooLargeError(field, size, maxBytes);
}

export function encryptRecord(ring: KeyRing, context: RecordContext, fields: Record<string, string>): EncryptedRecord {
  assertContext(context);
  const entries = Object.entries(fields);
  for (const [field, value] of entries) {
    assertFieldName(field);
    if (typeof value !== 'string') throw new EnvelopeFormatError(`field "${field}" must be a string`);
    assertFieldSize(field, value);
  }
  const kekId = ring.activeKeyId;
  const dataKey = randomBytes(DATA_KEY_BYTES);
  try {
    return {
      version: ENVELOPE_VERSION,
      kekId,
      wrappedKey: seal(ring.keyEncryptionKey(kekId), dataKey, dataKeyAssociatedData(context, kekId)),
      fields: Object.fromEntries(
        entries.map(([field, value]) => [
          field,
          seal(dataKey, Buffer.from(value, 'utf8'), fieldAssociatedData(context, field)),
        ]),
      ),
    };
  } finally {
    dataKey.fill(0);
  }
}

export function decryptRecord(ring: KeyRing, context: RecordContext, stored: EncryptedRecord): Record<string, string> {
  const record = parseEncryptedRecord(stored);
  return withDataKey(ring, context, record, (dataKey) =>
    Object.fromEntries(Object.keys(record.fields).map((field) => [field, openField(dataKey, context, record, field)])),
  );
}

export function decryptField(ring: KeyRing, context: RecordContext, stored: EncryptedRecord, field: string): string {
  const record = parseEncryptedRecord(stored);
  if (!Object.hasOwn(record.fields, field)) throw new EnvelopeFormatError(`field "${field}" is not in the record`);
  return withDataKey(ring, context, record, (dataKey) => openField(dataKey, context, record, field));
}

/**
 * Re-wraps the record's data key under the ring's active KEK; field ciphertexts are
 * carried over untouched. Returns the record unchanged when it already uses the active key.
 */
export function rewrapRecord(ring: KeyRing, context: RecordContext, stored: EncryptedRecord): EncryptedRecord {
  const record = parseEncryptedRecord(stored);
  if (!needsRewrap(ring, record)) return record;
  const kekId = ring.activeKeyId;
  return withDataKey(ring, context, record, (dataKey) => ({
    version: ENVELOPE_VERSION,
    kekId,
    wrappedKey: seal(ring.keyEncryptionKey(kekId), dataKey, dataKeyAssociatedData(context, kekId)),
    fields: record.fields,
  }));
}

export function recordKeyId(record: EncryptedRecord): string {
  return record.kekId;
}

export function needsRewrap(ring: KeyRing, record: EncryptedRecord): boolean {
  return record.kekId !== ring.activeKeyId;
}

function withDataKey<T>(
  ring: KeyRing,
  context: RecordContext,
  record: EncryptedRecord,
  use: (dataKey: Buffer) => T,
): T {
  assertContext(context);
  const kek = ring.keyEncryptionKey(record.kekId);
  let dataKey: Buffer;
  try {
    dataKey = open(kek, record.wrappedKey, dataKeyAssociatedData(context, record.kekId));
  } catch (error) {
    if (error instanceof EnvelopeFormatError) throw error;
    throw new DecryptionError(
      `could not unwrap the data key with key "${record.kekId}": the record belongs to another project/connector or was altered`,
      { cause: error },
    );
  }
  try {
    if (dataKey.length !== DATA_KEY_BYTES) throw new DecryptionError('the unwrapped data key has the wrong length');
    return use(dataKey);
  } finally {
    dataKey.fill(0);
  }
}

function openField(dataKey: Buffer, context: RecordContext, record: EncryptedRecord, field: string): string {
  const sealed = record.fields[field];
  if (sealed === undefined) throw new EnvelopeFormatError(`field "${field}" is not in the record`);
  try {
    return open(dataKey, sealed, fieldAssociatedData(context, field)).toString('utf8');
  } catch (error) {
    if (error instanceof EnvelopeFormatError) throw error;
    throw new DecryptionError(
      `could not decrypt field "${field}": it belongs to another field or row, or was altered`,
      { cause: error },
    );
  }
}
