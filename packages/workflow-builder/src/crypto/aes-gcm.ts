import { createCipheriv, createDecipheriv, type KeyObject, randomBytes } from 'node:crypto';
import { decodeBase64Strict, encodeBase64 } from './base64.js';
import { EnvelopeFormatError } from './errors.js';

/**
 * AES-256-GCM with a random 96-bit IV per message and a full 128-bit tag. The tag length
 * is pinned on decryption because Node otherwise accepts truncated tags, which would let
 * a forger guess a 4-byte tag instead of a 16-byte one.
 */
export const IV_BYTES = 12;
export const TAG_BYTES = 16;
const ALGORITHM = 'aes-256-gcm';

export interface SealedValue {
  iv: string;
  tag: string;
  ciphertext: string;
}

export function seal(key: KeyObject | Buffer, plaintext: Buffer, associatedData: Buffer): SealedValue {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv: encodeBase64(iv), tag: encodeBase64(cipher.getAuthTag()), ciphertext: encodeBase64(ciphertext) };
}

/** Throws the underlying crypto error when authentication fails; callers map it to DecryptionError. */
export function open(key: KeyObject | Buffer, sealed: SealedValue, associatedData: Buffer): Buffer {
  const iv = decodePart(sealed.iv, 'iv', IV_BYTES);
  const tag = decodePart(sealed.tag, 'tag', TAG_BYTES);
  const ciphertext = sealed.ciphertext === '' ? Buffer.alloc(0) : decodePart(sealed.ciphertext, 'ciphertext');
  const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(associatedData);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
}

function decodePart(value: string, name: string, expectedBytes?: number): Buffer {
  const bytes = decodeBase64Strict(value);
  if (bytes === undefined) throw new EnvelopeFormatError(`${name} is not valid base64`);
  if (expectedBytes !== undefined && bytes.length !== expectedBytes) {
    throw new EnvelopeFormatError(`${name} must be ${expectedBytes} bytes (got ${bytes.length})`);
  }
  return bytes;
}
