import { ApplicationFailure } from '@temporalio/common';
import { type ProjectCallKind, type ProjectCallReason, reasonKinds } from '../nexus/refusals.js';

/**
 * The failure every callProject operation ends with when it does not succeed. A workflow
 * branches on `kind` (not-allowed, not-found, bad-input, timeout, unavailable, failed,
 * cancelled); `reason` says exactly what happened (revoked, wrong-caller, invalid-input …).
 * It is a non-retryable ApplicationFailure of type `ProjectCallError`, so an uncaught one
 * fails the workflow (not just its task) and clients see kind and reason in `details[0]`.
 */
export const projectCallErrorType = 'ProjectCallError';

export interface ProjectCallErrorInfo {
  kind: ProjectCallKind;
  reason: ProjectCallReason;
  connector: string;
  operation: string;
  interface: string | null;
}

export class ProjectCallError extends ApplicationFailure {
  readonly kind: ProjectCallKind;
  readonly reason: ProjectCallReason;
  readonly connector: string;
  readonly operation: string;
  readonly interfaceName: string | null;

  constructor(info: Omit<ProjectCallErrorInfo, 'kind'>, message: string, cause?: Error) {
    const kind = reasonKinds[info.reason];
    super(message, projectCallErrorType, true, [{ ...info, kind }], cause);
    this.kind = kind;
    this.reason = info.reason;
    this.connector = info.connector;
    this.operation = info.operation;
    this.interfaceName = info.interface;
  }
}

/** Kind and reason of a ProjectCallError, in workflow code or as a client sees it (details). */
export function projectCallErrorInfo(error: unknown): ProjectCallErrorInfo | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 6; depth += 1) {
    if (current instanceof ApplicationFailure && current.type === projectCallErrorType) {
      const detail = current.details?.[0];
      if (typeof detail === 'object' && detail !== null) return detail as ProjectCallErrorInfo;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
