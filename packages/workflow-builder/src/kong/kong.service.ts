import type { Database } from '@wfb/core/db/driver.js';
import { AppError } from '@wfb/core/errors.js';
import type { AuthUser } from '../auth/jwt.js';
import { countKongStatuses } from '../domain/public-interfaces/kong-status.store.js';
import { KongAdminError, KongTransportError } from './admin-errors.js';
import type { KongController } from './kong-controller.js';

/**
 * What the tRPC `kong` procedures may see and do. Any signed-in user sees the controller's
 * health (on or off, leading, healthy, last pass), nothing of any tenant. Running a pass
 * and reading the plan are operator actions: the plan names every tenant's interfaces, and
 * a pass on demand is load on Kong. Operators are listed by user id in
 * KONG_OPERATOR_USER_IDS — a project role says nothing about the shared gateway.
 */
export interface KongServiceDeps {
  controller: KongController | undefined;
  operatorUserIds: readonly string[];
  database: Database;
}

function kongFailure(error: unknown): never {
  if (error instanceof KongTransportError || (error instanceof KongAdminError && error.retryable)) {
    throw new AppError('BAD_GATEWAY', 'Kong is unreachable or busy; the controller retries with backoff', {
      cause: error,
    });
  }
  throw error;
}

export function createKongService(deps: KongServiceDeps) {
  const isOperator = (user: AuthUser) => deps.operatorUserIds.includes(user.id);

  function operatorController(user: AuthUser): KongController {
    if (!isOperator(user)) {
      throw new AppError('FORBIDDEN', 'Kong sync and diff are operator actions (KONG_OPERATOR_USER_IDS)');
    }
    if (!deps.controller)
      throw new AppError('PRECONDITION_FAILED', 'the Kong controller is off (KONG_ADMIN_URL is not set)');
    return deps.controller;
  }

  return {
    async status(user: AuthUser) {
      if (!deps.controller) return { enabled: false as const };
      const health = deps.controller.health();
      const summary = {
        enabled: true as const,
        mode: health.mode,
        leading: health.leading,
        healthy: health.healthy,
        lastPassAt: health.lastPassAt,
        consecutiveFailures: health.consecutiveFailures,
      };
      if (!isOperator(user)) return summary;
      return {
        ...summary,
        operator: {
          lastError: health.lastError,
          lastOutcome: health.lastOutcome,
          interfaces: await countKongStatuses(deps.database.db),
        },
      };
    },

    async sync(user: AuthUser) {
      const controller = operatorController(user);
      const outcome = await controller.syncNow().catch(kongFailure);
      return outcome === undefined
        ? { ran: false as const, reason: 'another instance leads; it was asked to sync' }
        : { ran: true as const, outcome };
    },

    async diff(user: AuthUser) {
      return operatorController(user).diff().catch(kongFailure);
    },
  };
}

export type KongService = ReturnType<typeof createKongService>;
