import type { Queryable } from '../../db/tx.js';

export interface AuditActor {
  type: 'user' | 'api_key' | 'system';
  id: string | null;
}

export interface AuditEventInput {
  projectId: string;
  actor: AuditActor;
  action: string;
  entityType: string;
  entityId?: string | null;
  /** Non-secret facts only: names, roles, hints. Never plaintext keys or credentials. */
  metadata?: Record<string, unknown>;
}

/** Called inside the transaction that makes the change, so the row and the change commit together. */
export async function insertAuditEvent(db: Queryable, event: AuditEventInput): Promise<void> {
  await db
    .insertInto('audit_events')
    .values({
      project_id: event.projectId,
      actor_type: event.actor.type,
      actor_id: event.actor.id,
      action: event.action,
      entity_type: event.entityType,
      entity_id: event.entityId ?? null,
      metadata: JSON.stringify(event.metadata ?? {}),
    })
    .execute();
}

export interface AuditPageCursor {
  createdAt: Date;
  id: string;
}

export async function listAuditEvents(
  db: Queryable,
  query: { projectId: string; limit: number; before?: AuditPageCursor; entityType?: string },
) {
  let builder = db
    .selectFrom('audit_events')
    .select(['id', 'actor_type', 'actor_id', 'action', 'entity_type', 'entity_id', 'metadata', 'created_at'])
    .where('project_id', '=', query.projectId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(query.limit);
  if (query.entityType) builder = builder.where('entity_type', '=', query.entityType);
  const before = query.before;
  if (before) {
    builder = builder.where((eb) =>
      eb.or([
        eb('created_at', '<', before.createdAt),
        eb.and([eb('created_at', '=', before.createdAt), eb('id', '<', before.id)]),
      ]),
    );
  }
  return builder.execute();
}
