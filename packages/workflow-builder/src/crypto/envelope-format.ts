import { z } from 'zod';
import type { SealedValue } from './aes-gcm.js';
import { EnvelopeFormatError } from './errors.js';

/**
 * The stored shape of an encrypted credential record and the associated data that binds
 * it to its row. Associated data is a JSON array, so no choice of ids or field names can
 * make two different contexts serialise to the same bytes (unlike joining with ":").
 * The data key's associated data also names the KEK id, so a wrapped key cannot be
 * passed off as wrapped by another key in the ring.
 */
export const ENVELOPE_VERSION = 1;
const FIELD_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

export interface RecordContext {
  readonly projectId: string;
  readonly connectorId: string;
}

export interface EncryptedRecord {
  version: typeof ENVELOPE_VERSION;
  kekId: string;
  wrappedKey: SealedValue;
  fields: Record<string, SealedValue>;
}

const sealedValueSchema = z.strictObject({ iv: z.string(), tag: z.string(), ciphertext: z.string() });
const encryptedRecordSchema = z.strictObject({
  version: z.literal(ENVELOPE_VERSION),
  kekId: z.string().min(1),
  wrappedKey: sealedValueSchema,
  fields: z.record(z.string().regex(FIELD_NAME_PATTERN), sealedValueSchema),
});

/** Validates a record read from storage (e.g. a jsonb column) before it is used. */
export function parseEncryptedRecord(value: unknown): EncryptedRecord {
  const result = encryptedRecordSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'record';
    throw new EnvelopeFormatError(`${where}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

export function assertFieldName(field: string): void {
  if (!FIELD_NAME_PATTERN.test(field)) {
    throw new EnvelopeFormatError(`field names must match ${FIELD_NAME_PATTERN.source}`);
  }
}

export function assertContext(context: RecordContext): void {
  for (const key of ['projectId', 'connectorId'] as const) {
    const value: unknown = context[key];
    if (typeof value !== 'string' || value === '')
      throw new EnvelopeFormatError(`context.${key} must be a non-empty string`);
  }
}

export function fieldAssociatedData(context: RecordContext, field: string): Buffer {
  return Buffer.from(
    JSON.stringify(['wfb.credential-field', ENVELOPE_VERSION, context.projectId, context.connectorId, field]),
  );
}

export function dataKeyAssociatedData(context: RecordContext, kekId: string): Buffer {
  return Buffer.from(JSON.stringify(['wfb.data-key', ENVELOPE_VERSION, kekId, context.projectId, context.connectorId]));
}
