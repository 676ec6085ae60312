import { decryptRecord, type EncryptedRecord, encryptRecord, parseEncryptedRecord } from '../../crypto/envelope.js';
import type { KeyRing } from '../../crypto/key-ring.js';
import { type SecretHints, secretHints } from './auth-config.js';

/**
 * The only bridge between a connector's secrets and the envelope layer. The context is
 * always (project, connector) with the field name added by the envelope, so a ciphertext
 * copied to another connector's row, or another project's, fails authentication.
 */
export interface ConnectorRef {
  projectId: string;
  connectorId: string;
}

export interface SealedSecrets {
  record: EncryptedRecord;
  keyId: string;
  hints: SecretHints;
}

export function sealSecrets(ring: KeyRing, ref: ConnectorRef, secrets: Record<string, string>): SealedSecrets {
  const record = encryptRecord(ring, { projectId: ref.projectId, connectorId: ref.connectorId }, secrets);
  return { record, keyId: record.kekId, hints: secretHints(secrets) };
}

export function openSecrets(ring: KeyRing, ref: ConnectorRef, stored: unknown): Record<string, string> {
  return decryptRecord(ring, { projectId: ref.projectId, connectorId: ref.connectorId }, parseEncryptedRecord(stored));
}
