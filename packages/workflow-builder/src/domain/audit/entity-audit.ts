import { sql } from 'kysely';
import type { AuthUser } from '../../auth/jwt.js';
import type { Queryable } from '../../db/tx.js';
import { type AuditActor, insertAuditEvent } from './audit.store.js';

/** The columns every audited project entity has. */
export interface AuditedRow {
  id: string;
  project_id: string;
}

export function userActor(user: AuthUser): AuditActor {
  return { type: 'user', id: user.id };
}

export const systemActor: AuditActor = { type: 'system', id: null };

/**
 * The one audit writer, for any actor. `summarize` picks the row's non-secret identifying
 * fields, so each event names the entity as it was even after it is renamed or deleted;
 * per-call metadata comes after them and wins on a clash.
 *
 * A user's change writes its own event from a database trigger (migration
 * 20261201000200): for a user this adds the service's detail to that event, and fails if
 * the transaction made no such change — the action must match what the trigger derived.
 * Credential use (`connector.tested`, `connector.oauth_*`) has no row change and is
 * recorded by the same database function after it checks the caller may read the
 * connector. Users cannot insert audit rows any other way. API-key and system actors are
 * written directly, which only the service role (system queries) may do.
 */
export function createEntityAudit<Row extends AuditedRow>(
  entityType: string,
  summarize: (row: Row) => Record<string, unknown>,
) {
  return async function audit(
    db: Queryable,
    actor: AuditActor,
    row: Row,
    action: string,
    metadata: Record<string, unknown> = {},
  ): Promise<void> {
    const detail = { ...summarize(row), ...metadata };
    if (actor.type === 'user') {
      await sql`select wfb.record_audit_event(${entityType}, ${row.id}, ${action}, ${JSON.stringify(detail)}::jsonb)`.execute(
        db,
      );
      return;
    }
    await insertAuditEvent(db, {
      projectId: row.project_id,
      actor,
      action,
      entityType,
      entityId: row.id,
      metadata: detail,
    });
  };
}
