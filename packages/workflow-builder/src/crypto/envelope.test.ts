import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  decryptField,
  decryptRecord,
  type EncryptedRecord,
  encryptRecord,
  MAX_FIELD_BYTES,
  needsRewrap,
  parseEncryptedRecord,
  type RecordContext,
  recordKeyId,
  rewrapRecord,
} from './envelope.js';
import { DecryptionError, EnvelopeFormatError, FieldTooLargeError, UnknownKeyError } from './errors.js';
import { createKeyRing } from './key-ring.js';

const keyOld = randomBytes(32).toString('base64');
const keyNew = randomBytes(32).toString('base64');
const ringOld = createKeyRing(`old:${keyOld}`);
const ringBoth = createKeyRing(`old:${keyOld},new:${keyNew}`);
const context: RecordContext = { projectId: 'proj_1', connectorId: 'conn_1' };
const secrets = { clientSecret: 's3cr3t-value-123', refreshToken: 'rt_very_secret_abc' };

function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    if (error instanceof Error) return error;
  }
  throw new Error('expected a throw');
}

function clone(record: EncryptedRecord): EncryptedRecord {
  return structuredClone(record);
}

function flipFirstByte(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  return bytes.toString('base64');
}

function assertNoSecretIn(message: string): void {
  for (const secret of [keyOld, keyNew, ...Object.values(secrets)]) expect(message).not.toContain(secret);
}

describe('encryptRecord / decryptRecord', () => {
  it('round-trips several fields under one wrapped data key', () => {
    const record = encryptRecord(ringOld, context, secrets);
    expect(record.version).toBe(1);
    expect(record.kekId).toBe('old');
    expect(Object.keys(record.fields).sort()).toEqual(['clientSecret', 'refreshToken']);
    expect(decryptRecord(ringOld, context, record)).toEqual(secrets);
    expect(decryptField(ringOld, context, record, 'refreshToken')).toBe(secrets.refreshToken);
  });

  it('produces a JSON-serialisable envelope of base64 strings with no plaintext', () => {
    const record = encryptRecord(ringOld, context, secrets);
    const json = JSON.stringify(record);
    assertNoSecretIn(json);
    const restored = parseEncryptedRecord(JSON.parse(json));
    expect(decryptRecord(ringOld, context, restored)).toEqual(secrets);
    const field = record.fields.clientSecret;
    expect(Buffer.from(field?.iv ?? '', 'base64')).toHaveLength(12);
    expect(Buffer.from(field?.tag ?? '', 'base64')).toHaveLength(16);
  });

  it('handles empty strings, unicode and a field exactly at the size limit', () => {
    const fields = { empty: '', unicode: 'päßwörd-🔑', max: 'x'.repeat(MAX_FIELD_BYTES) };
    expect(decryptRecord(ringOld, context, encryptRecord(ringOld, context, fields))).toEqual(fields);
  });

  it('refuses a field over 16 KiB and names it', () => {
    const error = thrown(() => encryptRecord(ringOld, context, { big: 'é'.repeat(MAX_FIELD_BYTES / 2 + 1) }));
    expect(error).toBeInstanceOf(FieldTooLargeError);
    expect(error.message).toContain('"big"');
    expect((error as FieldTooLargeError).field).toBe('big');
    expect((error as FieldTooLargeError).httpStatus).toBe(413);
  });

  it('refuses invalid field names and contexts', () => {
    expect(() => encryptRecord(ringOld, context, { 'bad name': 'x' })).toThrow(EnvelopeFormatError);
    expect(() => encryptRecord(ringOld, { projectId: '', connectorId: 'c' }, secrets)).toThrow(EnvelopeFormatError);
  });

  it('uses a fresh data key and fresh IVs for every record', () => {
    const first = encryptRecord(ringOld, context, secrets);
    const second = encryptRecord(ringOld, context, secrets);
    expect(first.wrappedKey.ciphertext).not.toBe(second.wrappedKey.ciphertext);
    expect(first.fields.clientSecret?.ciphertext).not.toBe(second.fields.clientSecret?.ciphertext);
  });

  it('never repeats an IV across many encryptions', () => {
    const ivs = new Set<string>();
    const count = 2_000;
    for (let index = 0; index < count; index += 1) {
      const record = encryptRecord(ringOld, context, { a: 'x', b: 'y' });
      ivs.add(record.wrappedKey.iv);
      for (const sealed of Object.values(record.fields)) ivs.add(sealed.iv);
    }
    expect(ivs.size).toBe(count * 3);
  });
});

describe('context binding', () => {
  const record = encryptRecord(ringOld, context, secrets);

  it.each([
    ['another connector', { projectId: 'proj_1', connectorId: 'conn_2' }],
    ['another project', { projectId: 'proj_2', connectorId: 'conn_1' }],
    ['ids shifted across the boundary', { projectId: 'proj_1conn', connectorId: '_1' }],
  ])('fails when the record is copied to %s', (_label, otherContext) => {
    const error = thrown(() => decryptRecord(ringOld, otherContext, record));
    expect(error).toBeInstanceOf(DecryptionError);
    assertNoSecretIn(error.message);
  });

  it('fails when a ciphertext is moved to another field', () => {
    const swapped = clone(record);
    const { clientSecret, refreshToken } = swapped.fields;
    if (!clientSecret || !refreshToken) throw new Error('fixture');
    swapped.fields = { clientSecret: refreshToken, refreshToken: clientSecret };
    const error = thrown(() => decryptField(ringOld, context, swapped, 'clientSecret'));
    expect(error).toBeInstanceOf(DecryptionError);
    expect(error.message).toContain('"clientSecret"');
    assertNoSecretIn(error.message);
  });

  it('fails when a field is grafted from another record of the same connector', () => {
    const other = encryptRecord(ringOld, context, { clientSecret: 'other-secret' });
    const grafted = clone(record);
    const foreign = other.fields.clientSecret;
    if (!foreign) throw new Error('fixture');
    grafted.fields.clientSecret = foreign;
    expect(() => decryptField(ringOld, context, grafted, 'clientSecret')).toThrow(DecryptionError);
    expect(decryptField(ringOld, context, grafted, 'refreshToken')).toBe(secrets.refreshToken);
  });

  it('fails when the kek id is relabelled to another key in the ring', () => {
    const relabelled = { ...clone(record), kekId: 'new' };
    expect(() => decryptRecord(ringBoth, context, relabelled)).toThrow(DecryptionError);
  });
});

describe('tampering', () => {
  const record = encryptRecord(ringOld, context, secrets);

  it.each(['ciphertext', 'tag', 'iv'] as const)('detects a modified field %s', (part) => {
    const tampered = clone(record);
    const sealed = tampered.fields.clientSecret;
    if (!sealed) throw new Error('fixture');
    sealed[part] = flipFirstByte(sealed[part]);
    const error = thrown(() => decryptRecord(ringOld, context, tampered));
    expect(error).toBeInstanceOf(DecryptionError);
    assertNoSecretIn(error.message);
  });

  it.each(['ciphertext', 'tag', 'iv'] as const)('detects a modified wrapped key %s', (part) => {
    const tampered = clone(record);
    tampered.wrappedKey[part] = flipFirstByte(tampered.wrappedKey[part]);
    expect(() => decryptRecord(ringOld, context, tampered)).toThrow(DecryptionError);
  });

  it('refuses truncated tags instead of checking fewer bytes', () => {
    const tampered = clone(record);
    const sealed = tampered.fields.clientSecret;
    if (!sealed) throw new Error('fixture');
    sealed.tag = Buffer.from(sealed.tag, 'base64').subarray(0, 4).toString('base64');
    expect(() => decryptRecord(ringOld, context, tampered)).toThrow(EnvelopeFormatError);
  });

  it('refuses malformed envelopes with a format error', () => {
    expect(() => parseEncryptedRecord({ ...record, version: 2 })).toThrow(EnvelopeFormatError);
    expect(() => parseEncryptedRecord({ ...record, extra: true })).toThrow(EnvelopeFormatError);
    expect(() => parseEncryptedRecord('nope')).toThrow(EnvelopeFormatError);
    const badBase64 = clone(record);
    badBase64.wrappedKey.iv = '!!!!';
    expect(() => decryptRecord(ringOld, context, badBase64)).toThrow(EnvelopeFormatError);
  });

  it('reports a missing field distinctly', () => {
    expect(() => decryptField(ringOld, context, record, 'nope')).toThrow(EnvelopeFormatError);
  });
});

describe('keys and rotation', () => {
  it('rewraps under the active key without touching field ciphertexts', () => {
    const record = encryptRecord(ringOld, context, secrets);
    expect(needsRewrap(ringBoth, record)).toBe(true);
    const rewrapped = rewrapRecord(ringBoth, context, record);
    expect(recordKeyId(rewrapped)).toBe('new');
    expect(rewrapped.fields).toEqual(record.fields);
    expect(rewrapped.wrappedKey.ciphertext).not.toBe(record.wrappedKey.ciphertext);
    expect(decryptRecord(ringBoth, context, rewrapped)).toEqual(secrets);
    const ringNewOnly = createKeyRing(`new:${keyNew}`);
    expect(decryptRecord(ringNewOnly, context, rewrapped)).toEqual(secrets);
    expect(needsRewrap(ringBoth, rewrapped)).toBe(false);
    expect(rewrapRecord(ringBoth, context, rewrapped)).toEqual(rewrapped);
  });

  it('refuses to rewrap a record under the wrong context', () => {
    const record = encryptRecord(ringOld, context, secrets);
    expect(() => rewrapRecord(ringBoth, { ...context, connectorId: 'conn_2' }, record)).toThrow(DecryptionError);
  });

  it('encrypts new records with the active key', () => {
    expect(recordKeyId(encryptRecord(ringBoth, context, secrets))).toBe('new');
    expect(recordKeyId(encryptRecord(createKeyRing(`old:${keyOld},new:${keyNew}`, 'old'), context, secrets))).toBe(
      'old',
    );
  });

  it('names the missing key id when the ring lacks the record key', () => {
    const record = encryptRecord(ringBoth, context, secrets);
    const error = thrown(() => decryptRecord(ringOld, context, record));
    expect(error).toBeInstanceOf(UnknownKeyError);
    expect((error as UnknownKeyError).keyId).toBe('new');
    expect(error.message).toContain('"new"');
    assertNoSecretIn(error.message);
  });

  it('fails with a decryption error under a different key with the same id', () => {
    const record = encryptRecord(ringOld, context, secrets);
    const impostor = createKeyRing(`old:${randomBytes(32).toString('base64')}`);
    const error = thrown(() => decryptRecord(impostor, context, record));
    expect(error).toBeInstanceOf(DecryptionError);
    assertNoSecretIn(`${error.message} ${String(error.cause)}`);
  });
});
