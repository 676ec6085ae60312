import type { Database } from '@wfb/core/db/driver.js';
import { isAppError } from '@wfb/core/errors.js';
import type { Logger } from '@wfb/core/logger.js';
import cliProgress from 'cli-progress';
import { parseEncryptedRecord, rewrapRecord } from '../crypto/envelope.js';
import type { KeyRing } from '../crypto/key-ring.js';
import { assertStoredKeysInRing } from '../domain/connectors/encryption-keys.js';
import {
  countCredentialsNotOnKey,
  countLiveStatesNotOnKey,
  type RewrappedCredentials,
  selectCredentialsNotOnKey,
  selectLiveStatesNotOnKey,
  writeRewrappedCredentials,
  writeRewrappedState,
} from '../domain/connectors/key-rotation.store.js';

/**
 * `wfb rotate-keys`: re-wraps every stored data key under the ring's active key.
 *
 * Online: no lock is held across a batch. Each batch is one UPDATE that writes a row only
 * if its `credentials_version` is still the one read, so a connector updated (or its
 * token refreshed) during the sweep keeps the newer write; that write already used the
 * active key of the instance that made it, and if that instance still ran with the old
 * active key the row is simply found again by the next pass. Passes repeat until no row
 * is left on another key (or `maxPasses`, reported as `remaining`).
 * Resumable: rows are found by key id, so a run that stopped half-way just continues.
 * Only data keys are re-wrapped; field ciphertexts are carried over untouched.
 */
export interface RotateProgress {
  start(total: number): void;
  /** May return a promise; the sweep waits for it before the next batch. */
  update(done: number): void | Promise<void>;
  stop(): void;
}

export interface RotateKeysOptions {
  database: Database;
  ring: KeyRing;
  logger: Logger;
  /** Rows per UPDATE. Default 500. */
  batchSize?: number;
  /** `true`: a progress bar on stderr (cli-progress); a reporter for callers that draw their own. */
  progress?: boolean | RotateProgress;
  /** Default 10. */
  maxPasses?: number;
}

export interface RotateKeysResult {
  activeKeyId: string;
  /** Connector rows re-wrapped by this run. */
  rewrapped: number;
  /** Rows skipped because they changed while being re-wrapped (then found again). */
  changedDuringSweep: number;
  oauthStatesRewrapped: number;
  /** Rows whose data key could not be unwrapped (altered or misplaced ciphertext). */
  failed: string[];
  /** Rows (connectors + live OAuth states) still on another key when the run ended. */
  remaining: number;
  passes: number;
}

function progressReporter(progress: RotateKeysOptions['progress']): RotateProgress {
  if (progress === undefined || progress === false) return { start() {}, update() {}, stop() {} };
  if (progress !== true) return progress;
  const bar = new cliProgress.SingleBar(
    { format: 'rotate-keys [{bar}] {percentage}% | {value}/{total} connectors', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  return { start: (total) => bar.start(total, 0), update: (done) => bar.update(done), stop: () => bar.stop() };
}

export async function runRotateKeys(options: RotateKeysOptions): Promise<RotateKeysResult> {
  const { database, ring, logger } = options;
  const db = database.db;
  const batchSize = options.batchSize ?? 500;
  const maxPasses = options.maxPasses ?? 10;
  const active = ring.activeKeyId;
  await assertStoredKeysInRing(db, ring);

  const result: RotateKeysResult = {
    activeKeyId: active,
    rewrapped: 0,
    changedDuringSweep: 0,
    oauthStatesRewrapped: 0,
    failed: [],
    remaining: 0,
    passes: 0,
  };
  const failed = new Set<string>();
  const progress = progressReporter(options.progress);
  progress.start(await countCredentialsNotOnKey(db, active));
  try {
    while (result.passes < maxPasses) {
      result.passes += 1;
      let cursor: string | null = null;
      for (;;) {
        const rows = await selectCredentialsNotOnKey(db, active, cursor, batchSize);
        const last = rows.at(-1);
        if (!last) break;
        cursor = last.connector_id;
        const rewrapped: RewrappedCredentials[] = [];
        for (const row of rows) {
          if (failed.has(row.connector_id)) continue;
          try {
            const context = { projectId: row.project_id, connectorId: row.connector_id };
            const record = rewrapRecord(ring, context, parseEncryptedRecord(row.encrypted_credentials));
            rewrapped.push({
              connectorId: row.connector_id,
              expectedVersion: row.credentials_version,
              record,
              keyId: record.kekId,
            });
          } catch (error) {
            if (!isAppError(error)) throw error;
            failed.add(row.connector_id);
            logger.error(
              { connectorId: row.connector_id, error: error.message },
              'could not re-wrap connector credentials',
            );
          }
        }
        const written = await writeRewrappedCredentials(db, rewrapped);
        result.rewrapped += written.length;
        result.changedDuringSweep += rewrapped.length - written.length;
        await progress.update(result.rewrapped);
      }
      if ((await countCredentialsNotOnKey(db, active)) <= failed.size) break;
    }
    result.oauthStatesRewrapped = await rewrapOauthStates(options, batchSize);
  } finally {
    progress.stop();
  }
  result.failed = [...failed];
  result.remaining = (await countCredentialsNotOnKey(db, active)) + (await countLiveStatesNotOnKey(db, active));
  logger.info(
    {
      activeKeyId: active,
      rewrapped: result.rewrapped,
      oauthStatesRewrapped: result.oauthStatesRewrapped,
      changedDuringSweep: result.changedDuringSweep,
      failed: result.failed.length,
      remaining: result.remaining,
      passes: result.passes,
    },
    result.remaining === 0
      ? 'key rotation finished: every credential uses the active key'
      : 'key rotation ended with rows still on other keys; are all instances running with the new active key?',
  );
  return result;
}

/** Pending OAuth states live ten minutes; they are re-wrapped too so the old key can go at once. */
async function rewrapOauthStates(options: RotateKeysOptions, batchSize: number): Promise<number> {
  const { database, ring, logger } = options;
  const skipped = new Set<string>();
  let count = 0;
  for (;;) {
    const states = (await selectLiveStatesNotOnKey(database.db, ring.activeKeyId, batchSize + skipped.size)).filter(
      (state) => !skipped.has(state.id),
    );
    if (states.length === 0) return count;
    for (const state of states) {
      try {
        const context = { projectId: state.project_id, connectorId: state.connector_id };
        const record = rewrapRecord(ring, context, parseEncryptedRecord(state.encrypted_verifier));
        await writeRewrappedState(database.db, {
          id: state.id,
          previousKeyId: state.encryption_key_id,
          record,
          keyId: record.kekId,
        });
        count += 1;
      } catch (error) {
        if (!isAppError(error)) throw error;
        skipped.add(state.id);
        logger.error({ oauthStateId: state.id, error: error.message }, 'could not re-wrap an OAuth state');
      }
    }
  }
}
