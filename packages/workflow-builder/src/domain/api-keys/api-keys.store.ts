import { sql } from 'kysely';
import type { Queryable } from '../../db/tx.js';

/** Columns a caller may see. The hash is never among them. */
const publicColumns = [
  'id',
  'project_id',
  'name',
  'hint',
  'environment',
  'public_interface_id',
  'rate_limit_per_minute',
  'expires_at',
  'revoked_at',
  'last_used_at',
  'replaced_by',
  'created_by',
  'created_at',
  'updated_at',
] as const;

export interface NewApiKey {
  id: string;
  projectId: string;
  name: string;
  keyHash: string;
  hint: string;
  environment: string;
  publicInterfaceId: string | null;
  rateLimitPerMinute: number | null;
  expiresAt: Date | null;
  createdBy: string;
}

export async function insertApiKey(db: Queryable, key: NewApiKey) {
  return db
    .insertInto('api_keys')
    .values({
      id: key.id,
      project_id: key.projectId,
      name: key.name,
      key_hash: key.keyHash,
      hint: key.hint,
      environment: key.environment,
      public_interface_id: key.publicInterfaceId,
      rate_limit_per_minute: key.rateLimitPerMinute,
      expires_at: key.expiresAt,
      created_by: key.createdBy,
    })
    .returning(publicColumns)
    .executeTakeFirstOrThrow();
}

export async function findApiKey(db: Queryable, keyId: string) {
  return db.selectFrom('api_keys').select(publicColumns).where('id', '=', keyId).executeTakeFirst();
}

export async function listApiKeys(db: Queryable, projectId: string, includeInactive: boolean) {
  let query = db
    .selectFrom('api_keys')
    .select(publicColumns)
    .where('project_id', '=', projectId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc');
  if (!includeInactive) query = query.where('revoked_at', 'is', null);
  return query.execute();
}

export async function updateApiKey(
  db: Queryable,
  keyId: string,
  changes: {
    name?: string;
    expiresAt?: Date | null;
    rateLimitPerMinute?: number | null;
    revokedAt?: Date;
    replacedBy?: string;
  },
) {
  return db
    .updateTable('api_keys')
    .set({
      ...(changes.name !== undefined && { name: changes.name }),
      ...(changes.expiresAt !== undefined && { expires_at: changes.expiresAt }),
      ...(changes.rateLimitPerMinute !== undefined && { rate_limit_per_minute: changes.rateLimitPerMinute }),
      ...(changes.revokedAt !== undefined && { revoked_at: changes.revokedAt }),
      ...(changes.replacedBy !== undefined && { replaced_by: changes.replacedBy }),
      updated_at: new Date().toISOString(),
    })
    .where('id', '=', keyId)
    .returning(publicColumns)
    .executeTakeFirst();
}

/** What verification needs, looked up by hash outside any user's RLS context. */
export async function findKeyForVerification(db: Queryable, keyHash: string) {
  return db
    .selectFrom('api_keys')
    .innerJoin('projects', 'projects.id', 'api_keys.project_id')
    .select([
      'api_keys.id',
      'api_keys.project_id',
      'api_keys.name',
      'api_keys.environment',
      'api_keys.public_interface_id',
      'api_keys.rate_limit_per_minute',
      'api_keys.expires_at',
      'api_keys.revoked_at',
      'projects.slug as project_slug',
      'projects.temporal_namespace',
    ])
    .where('api_keys.key_hash', '=', keyHash)
    .executeTakeFirst();
}

/** One statement for a whole batch; never moves a timestamp backwards. */
export async function recordKeysUsed(db: Queryable, usage: ReadonlyMap<string, Date>): Promise<void> {
  if (usage.size === 0) return;
  const rows = [...usage].map(([id, at]) => sql`(${id}::uuid, ${at.toISOString()}::timestamptz)`);
  await sql`update public.api_keys as k set last_used_at = v.used_at
    from (values ${sql.join(rows)}) as v(id, used_at)
    where k.id = v.id and (k.last_used_at is null or k.last_used_at < v.used_at)`.execute(db);
}
