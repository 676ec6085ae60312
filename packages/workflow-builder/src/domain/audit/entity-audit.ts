import type { AuthUser } from '../../auth/jwt.js';
import type { Queryable } from '../../db/tx.js';
import { insertAuditEvent } from './audit.store.js';

/** The columns every audited project entity has. */
export interface AuditedRow {
  id: string;
  project_id: string;
}

/**
 * The audit writer a service uses for a user's actions on one kind of project entity.
 * `summarize` picks the row's non-secret identifying fields, so each event names the
 * entity as it was even after it is renamed or deleted; per-call metadata comes after
 * them and wins on a clash.
 */
export function createEntityAudit<Row extends AuditedRow>(
  entityType: string,
  summarize: (row: Row) => Record<string, unknown>,
) {
  return async function audit(
    tx: Queryable,
    user: AuthUser,
    row: Row,
    action: string,
    metadata: Record<string, unknown> = {},
  ): Promise<void> {
    await insertAuditEvent(tx, {
      projectId: row.project_id,
      actor: { type: 'user', id: user.id },
      action,
      entityType,
      entityId: row.id,
      metadata: { ...summarize(row), ...metadata },
    });
  };
}
