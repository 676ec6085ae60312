/**
 * Why a cross-project call failed, as both sides name it. The handler puts the reason in the
 * type of an ApplicationFailure it attaches to its HandlerError (`wfb.<reason>`), the caller
 * reads it back; a workflow branches on the kind, an operator reads the reason. Pure: it runs
 * in the workflow sandbox too.
 */
export type ProjectCallKind =
  | 'not-allowed'
  | 'not-found'
  | 'bad-input'
  | 'timeout'
  | 'unavailable'
  | 'failed'
  | 'cancelled';

export const reasonKinds = {
  // Decided before the call, by the caller's own worker (the endpoint must exist, or a
  // Nexus call would retry forever: temporalio/temporal#6439).
  'unknown-connector': 'not-found',
  'pending-approval': 'not-allowed',
  'not-provisioned': 'unavailable',
  // Decided by the handler.
  'unknown-endpoint': 'not-allowed',
  'wrong-caller': 'not-allowed',
  revoked: 'not-allowed',
  deleted: 'not-allowed',
  'target-deleted': 'not-allowed',
  'wrong-target': 'not-allowed',
  'interface-not-allowed': 'not-allowed',
  'interface-not-found': 'not-found',
  'service-not-found': 'not-found',
  'workflow-not-found': 'not-found',
  'wrong-operation': 'bad-input',
  'invalid-input': 'bad-input',
  'workflow-id-required': 'bad-input',
  'update-rejected': 'bad-input',
  'query-rejected': 'bad-input',
  'already-started': 'bad-input',
  'policy-unavailable': 'unavailable',
  'handler-failed': 'failed',
  // Seen by the caller only.
  timeout: 'timeout',
  unavailable: 'unavailable',
  'workflow-failed': 'failed',
  cancelled: 'cancelled',
  failed: 'failed',
} as const satisfies Record<string, ProjectCallKind>;

export type ProjectCallReason = keyof typeof reasonKinds;

export const reasonTypePrefix = 'wfb.';

export function isProjectCallReason(value: string): value is ProjectCallReason {
  return Object.hasOwn(reasonKinds, value);
}

/** The ApplicationFailure type that carries `reason` across the Nexus boundary. */
export function reasonType(reason: ProjectCallReason): string {
  return `${reasonTypePrefix}${reason}`;
}

export function reasonOfType(type: string | null | undefined): ProjectCallReason | undefined {
  if (!type?.startsWith(reasonTypePrefix)) return undefined;
  const reason = type.slice(reasonTypePrefix.length);
  return isProjectCallReason(reason) ? reason : undefined;
}
