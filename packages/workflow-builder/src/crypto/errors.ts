import { AppError } from '@wfb/core/errors.js';

/**
 * Typed failures of the credential-encryption layer. Messages name key ids, field names
 * and sizes only: never key material, plaintext or ciphertext, because these errors are
 * logged and some reach API callers.
 */
export class KeyRingError extends AppError {
  constructor(message: string) {
    super('INTERNAL', `ENCRYPTION_KEYS: ${message}`);
    this.name = 'KeyRingError';
  }
}

export class UnknownKeyError extends AppError {
  constructor(readonly keyId: string) {
    super('INTERNAL', `encryption key ${JSON.stringify(keyId)} is not in the key ring`, { details: { keyId } });
    this.name = 'UnknownKeyError';
  }
}

export class DecryptionError extends AppError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('INTERNAL', message, options);
    this.name = 'DecryptionError';
  }
}

export class EnvelopeFormatError extends AppError {
  constructor(message: string) {
    super('INTERNAL', `malformed encrypted record: ${message}`);
    this.name = 'EnvelopeFormatError';
  }
}

export class FieldTooLargeError extends AppError {
  constructor(
    readonly field: string,
    readonly sizeBytes: number,
    readonly maxBytes: number,
  ) {
    super(
      'PAYLOAD_TOO_LARGE',
      `credential field ${JSON.stringify(field)} is ${sizeBytes} bytes; the limit is ${maxBytes}`,
      {
        details: { field, maxBytes },
      },
    );
    this.name = 'FieldTooLargeError';
  }
}
