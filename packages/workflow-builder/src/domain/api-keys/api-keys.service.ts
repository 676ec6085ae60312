import { randomUUID } from 'node:crypto';
import { AppError, fromDatabaseError } from '@wfb/core/errors.js';
import type { AuthUser } from '../../auth/jwt.js';
import type { Tx } from '../../db/tx.js';
import { createEntityAudit, userActor } from '../audit/entity-audit.js';
import { readRoles, requireRole, writeRoles } from '../projects/project-access.js';
import { generateApiKey, hashApiKey } from './api-key-format.js';
import * as store from './api-keys.store.js';

export interface ApiKeyServiceDeps {
  pepper: string;
  environment: string;
  clock?: () => Date;
}

export const defaultRollGraceSeconds = 24 * 60 * 60;

type KeyRow = NonNullable<Awaited<ReturnType<typeof store.findApiKey>>>;

/** The only shape of a key that leaves the service: a hint, never the secret or its hash. */
function toView(row: KeyRow, now: Date) {
  const status = row.revoked_at
    ? 'revoked'
    : row.expires_at && row.expires_at.getTime() <= now.getTime()
      ? 'expired'
      : row.replaced_by
        ? 'rolling'
        : 'active';
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    hint: row.hint,
    environment: row.environment,
    status,
    publicInterfaceId: row.public_interface_id,
    rateLimitPerMinute: row.rate_limit_per_minute,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
    replacedBy: row.replaced_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export type ApiKeyView = ReturnType<typeof toView>;

export function createApiKeyService(deps: ApiKeyServiceDeps) {
  const clock = deps.clock ?? (() => new Date());
  const conflict = 'a live key with that name already exists in this project';

  async function loadOwned(tx: Tx, user: AuthUser, keyId: string, roles: typeof readRoles) {
    const row = await store.findApiKey(tx, keyId);
    if (!row) throw new AppError('NOT_FOUND', 'api key not found');
    await requireRole(tx, row.project_id, user.id, roles);
    return row;
  }

  const audit = createEntityAudit('api_key', (row: KeyRow) => ({ name: row.name, hint: row.hint }));

  function ensureFuture(expiresAt: Date | null | undefined) {
    if (expiresAt && expiresAt.getTime() <= clock().getTime()) {
      throw new AppError('BAD_REQUEST', 'expiresAt must be in the future', { details: { field: 'expiresAt' } });
    }
  }

  async function mint(
    tx: Tx,
    user: AuthUser,
    input: {
      projectId: string;
      name: string;
      expiresAt: Date | null;
      publicInterfaceId: string | null;
      rateLimitPerMinute: number | null;
    },
  ) {
    const generated = generateApiKey(deps.environment);
    try {
      const row = await store.insertApiKey(tx, {
        id: randomUUID(),
        projectId: input.projectId,
        name: input.name,
        keyHash: hashApiKey(deps.pepper, generated.plaintext),
        hint: generated.hint,
        environment: deps.environment,
        publicInterfaceId: input.publicInterfaceId,
        rateLimitPerMinute: input.rateLimitPerMinute,
        expiresAt: input.expiresAt,
        createdBy: user.id,
      });
      return { row, plaintext: generated.plaintext };
    } catch (error) {
      throw fromDatabaseError(error, conflict);
    }
  }

  return {
    async create(
      tx: Tx,
      user: AuthUser,
      input: {
        projectId: string;
        name: string;
        expiresAt?: Date | null | undefined;
        publicInterfaceId?: string | null | undefined;
        rateLimitPerMinute?: number | null | undefined;
      },
    ) {
      await requireRole(tx, input.projectId, user.id, writeRoles);
      ensureFuture(input.expiresAt);
      const { row, plaintext } = await mint(tx, user, {
        projectId: input.projectId,
        name: input.name,
        expiresAt: input.expiresAt ?? null,
        publicInterfaceId: input.publicInterfaceId ?? null,
        rateLimitPerMinute: input.rateLimitPerMinute ?? null,
      });
      await audit(tx, userActor(user), row, 'api_key.created', { scope: row.public_interface_id });
      return { key: toView(row, clock()), plaintext };
    },

    async list(tx: Tx, user: AuthUser, input: { projectId: string; includeInactive?: boolean | undefined }) {
      await requireRole(tx, input.projectId, user.id, readRoles);
      const now = clock();
      const rows = await store.listApiKeys(tx, input.projectId, input.includeInactive ?? false);
      return rows.map((row) => toView(row, now));
    },

    async get(tx: Tx, user: AuthUser, keyId: string) {
      return toView(await loadOwned(tx, user, keyId, readRoles), clock());
    },

    async update(
      tx: Tx,
      user: AuthUser,
      input: {
        id: string;
        name?: string | undefined;
        expiresAt?: Date | null | undefined;
        rateLimitPerMinute?: number | null | undefined;
      },
    ) {
      const before = await loadOwned(tx, user, input.id, writeRoles);
      if (before.revoked_at) throw new AppError('PRECONDITION_FAILED', 'a revoked key cannot be changed');
      if (input.expiresAt !== undefined) {
        // A rolled key's grace period and a lapsed key's expiry are final: extending them
        // would revive a key its owner already replaced or let run out.
        if (before.replaced_by) {
          throw new AppError('PRECONDITION_FAILED', 'a rolled key keeps its grace expiry; revoke it to end it early');
        }
        if (before.expires_at && before.expires_at.getTime() <= clock().getTime()) {
          throw new AppError('PRECONDITION_FAILED', 'an expired key cannot be revived; create or roll a new one');
        }
      }
      ensureFuture(input.expiresAt);
      let row: KeyRow | undefined;
      try {
        row = await store.updateApiKey(tx, input.id, input);
      } catch (error) {
        throw fromDatabaseError(error, conflict);
      }
      if (!row) throw new AppError('NOT_FOUND', 'api key not found');
      const changed = Object.keys(input).filter((field) => field !== 'id');
      await audit(tx, userActor(user), row, 'api_key.updated', { changed });
      return toView(row, clock());
    },

    async revoke(tx: Tx, user: AuthUser, keyId: string) {
      const before = await loadOwned(tx, user, keyId, writeRoles);
      if (before.revoked_at) return toView(before, clock());
      const row = await store.updateApiKey(tx, keyId, { revokedAt: clock() });
      if (!row) throw new AppError('NOT_FOUND', 'api key not found');
      await audit(tx, userActor(user), row, 'api_key.revoked');
      return toView(row, clock());
    },

    /**
     * Issues a successor with the same name and settings. The old key keeps working
     * until `now + graceSeconds` (or its own earlier expiry) so clients can switch over.
     */
    async roll(tx: Tx, user: AuthUser, input: { id: string; graceSeconds?: number | undefined }) {
      const before = await loadOwned(tx, user, input.id, writeRoles);
      const now = clock();
      if (before.revoked_at) throw new AppError('PRECONDITION_FAILED', 'a revoked key cannot be rolled');
      if (before.replaced_by)
        throw new AppError('PRECONDITION_FAILED', 'this key was already rolled; roll its successor');
      if (before.expires_at && before.expires_at.getTime() <= now.getTime()) {
        throw new AppError('PRECONDITION_FAILED', 'an expired key cannot be rolled');
      }
      const graceEnd = new Date(now.getTime() + (input.graceSeconds ?? defaultRollGraceSeconds) * 1000);
      const oldExpiry = before.expires_at && before.expires_at < graceEnd ? before.expires_at : graceEnd;
      const successorId = randomUUID();
      // Mark the old key first: it frees the live name for the successor in the same transaction.
      const old = await store.updateApiKey(tx, before.id, { expiresAt: oldExpiry, replacedBy: successorId });
      if (!old) throw new AppError('NOT_FOUND', 'api key not found');
      const generated = generateApiKey(deps.environment);
      const row = await store.insertApiKey(tx, {
        id: successorId,
        projectId: before.project_id,
        name: before.name,
        keyHash: hashApiKey(deps.pepper, generated.plaintext),
        hint: generated.hint,
        environment: deps.environment,
        publicInterfaceId: before.public_interface_id,
        rateLimitPerMinute: before.rate_limit_per_minute,
        expiresAt: before.expires_at,
        createdBy: user.id,
      });
      // The trigger wrote `api_key.rolled` on the old key and `api_key.created` on this one.
      await audit(tx, userActor(user), old, 'api_key.rolled', { successorId: row.id, graceExpiresAt: oldExpiry });
      await audit(tx, userActor(user), row, 'api_key.created', { previousKeyId: old.id });
      return { key: toView(row, now), previous: toView(old, now), plaintext: generated.plaintext };
    },
  };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;
