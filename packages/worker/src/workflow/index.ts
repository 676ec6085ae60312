/**
 * What workflow code imports from the worker package: `callProject` and its typed failure.
 * Safe for the workflow sandbox (no Node APIs).
 */

export type { ProjectCallKind, ProjectCallReason } from '../nexus/refusals.js';
export {
  type CallProjectOptions,
  callProject,
  type InterfaceCallOptions,
  type ProjectClient,
  type StartedCall,
} from './call-project.js';
export {
  ProjectCallError,
  type ProjectCallErrorInfo,
  projectCallErrorInfo,
  projectCallErrorType,
} from './project-call-error.js';
