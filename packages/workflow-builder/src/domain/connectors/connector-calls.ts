import type { Database } from '@wfb/core/db/driver.js';
import { AppError, isAppError } from '@wfb/core/errors.js';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { AuthUser } from '../../auth/jwt.js';
import { withUserTransaction } from '../../db/tx.js';
import type { SafeResponse } from '../../net/safe-fetch.js';
import { UpstreamUnreachableError } from '../../net/upstream-unreachable.js';
import type { VerifiedKey } from '../api-keys/key-verifier.js';
import type { AuditActor } from '../audit/audit.store.js';
import { userActor } from '../audit/entity-audit.js';
import { requireRole, writeRoles } from '../projects/project-access.js';
import type { AuthorizedFetch, OutboundRequest } from './authorized-fetch.js';
import { auditConnector } from './connector-audit.js';
import { findConnector, findConnectorForUse, recordTestResult } from './connectors.store.js';
import { OAuthProviderError } from './oauth-failure.js';
import type { UsageAudit } from './usage-audit.js';

/**
 * Calls made with a connector's credentials on behalf of someone. No database
 * transaction is held open across the outbound call: access is checked and the row
 * loaded in one short transaction, the call runs, and its result is recorded in
 * another, so a slow provider never pins a connection (PGlite has only one).
 */
export interface ConnectorCallsDeps {
  database: Database;
  authorizedFetch: AuthorizedFetch;
  usage: UsageAudit;
  testsPerMinutePerUser: number;
  clock?: () => Date;
}

export interface TestResult {
  ok: boolean;
  status: number | null;
  latencyMs: number;
  /** `kind` says which network failure it was (dns, connection_refused, tls …) when there was one. */
  error: { code: string; message: string; kind: string | null } | null;
}

/** Who asks the proxy to call a connector: a project API key, or a signed-in member. */
export type ProxyCaller =
  | { kind: 'api_key'; key: Pick<VerifiedKey, 'id' | 'projectId' | 'publicInterfaceId'> }
  | { kind: 'user'; user: AuthUser };

export function createConnectorCalls(deps: ConnectorCallsDeps) {
  const testLimiter = new RateLimiterMemory({ points: deps.testsPerMinutePerUser, duration: 60 });

  async function consumeTestBudget(userId: string) {
    try {
      await testLimiter.consume(userId);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const seconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      throw new AppError(
        'TOO_MANY_REQUESTS',
        `connector tests are limited to ${deps.testsPerMinutePerUser} per minute`,
        {
          retryAfterSeconds: seconds,
        },
      );
    }
  }

  return {
    /**
     * Which project a proxy call acts for, and as whom: a key acts for its own project (a
     * key scoped to one public interface may not use connectors); a member needs write
     * access to the connector's project. The connector itself is resolved within that
     * project by `callForProject`.
     */
    async authorizeProxyCall(
      caller: ProxyCaller,
      connectorId: string,
    ): Promise<{ projectId: string; actor: AuditActor }> {
      if (caller.kind === 'api_key') {
        if (caller.key.publicInterfaceId) {
          throw new AppError('FORBIDDEN', 'a key scoped to one public interface cannot use connectors');
        }
        return { projectId: caller.key.projectId, actor: { type: 'api_key', id: caller.key.id } };
      }
      const { user } = caller;
      const projectId = await withUserTransaction(deps.database.db, user.claims, async (tx) => {
        const row = await findConnector(tx, connectorId);
        if (!row) throw new AppError('NOT_FOUND', 'connector not found');
        await requireRole(tx, row.project_id, user.id, writeRoles);
        return row.project_id;
      });
      return { projectId, actor: userActor(user) };
    },

    /** Calls the connector's test path and records status, latency and `last_tested_at`. */
    async test(user: AuthUser, connectorId: string): Promise<TestResult> {
      const connector = await withUserTransaction(deps.database.db, user.claims, async (tx) => {
        const row = await findConnectorForUse(tx, connectorId);
        if (!row) {
          // A viewer sees the connector but not its credentials row: tell them which it is.
          const visible = await tx
            .selectFrom('connectors')
            .select('project_id')
            .where('id', '=', connectorId)
            .executeTakeFirst();
          if (visible) await requireRole(tx, visible.project_id, user.id, writeRoles);
          throw new AppError('NOT_FOUND', 'connector not found');
        }
        await requireRole(tx, row.project_id, user.id, writeRoles);
        return row;
      });
      await consumeTestBudget(user.id);
      const started = performance.now();
      let result: TestResult;
      // A failure that is not an AppError is a bug: it is recorded as a failed test too, then rethrown to be logged.
      let unexpected: unknown;
      try {
        const response = await deps.authorizedFetch(connector, { method: 'GET', path: connector.test_path });
        const latencyMs = Math.round(performance.now() - started);
        const ok = response.status < 400;
        result = {
          ok,
          status: response.status,
          latencyMs,
          error: ok ? null : { code: 'UPSTREAM_STATUS', message: `upstream answered ${response.status}`, kind: null },
        };
      } catch (error) {
        if (!isAppError(error)) unexpected = error;
        result = {
          ok: false,
          status: null,
          latencyMs: Math.round(performance.now() - started),
          error: isAppError(error)
            ? {
                code: error.code,
                message: error.message,
                kind: error instanceof UpstreamUnreachableError ? error.kind : null,
              }
            : { code: 'INTERNAL', message: 'the test failed with an internal error', kind: null },
        };
      }
      await withUserTransaction(deps.database.db, user.claims, async (tx) => {
        await recordTestResult(tx, connector.id, {
          status: result.status,
          latencyMs: result.latencyMs,
          error: result.error?.message ?? null,
        });
        await auditConnector(tx, userActor(user), connector, 'connector.tested', {
          name: connector.name,
          ok: result.ok,
          status: result.status,
          latencyMs: result.latencyMs,
          error: result.error?.code ?? null,
          errorKind: result.error?.kind ?? null,
        });
      });
      if (unexpected !== undefined) throw unexpected;
      return result;
    },

    /**
     * A call for a caller already authenticated for `projectId` (API key or member JWT):
     * the proxy, and the worker's HTTP activity. A connector of another project is
     * NOT_FOUND, exactly like a missing one. Use is audited per connector per minute.
     */
    async callForProject(
      actor: AuditActor,
      projectId: string,
      connectorId: string,
      request: OutboundRequest,
    ): Promise<SafeResponse> {
      const connector = await findConnectorForUse(deps.database.db, connectorId);
      if (!connector || connector.project_id !== projectId) throw new AppError('NOT_FOUND', 'connector not found');
      const event = { projectId, connectorId, connectorName: connector.name, actor };
      try {
        const response = await deps.authorizedFetch(connector, request);
        deps.usage.record({ ...event, outcome: response.status });
        return response;
      } catch (error) {
        deps.usage.record({ ...event, outcome: usageOutcome(error) });
        throw error;
      }
    },
  };
}

export type ConnectorCalls = ReturnType<typeof createConnectorCalls>;

/** A failed token request is counted under its reason, so the usage audit says why. */
function usageOutcome(error: unknown): string {
  if (error instanceof OAuthProviderError) return `${error.code}:${error.reason}`;
  return isAppError(error) ? error.code : 'ERROR';
}
