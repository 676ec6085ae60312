/**
 * The worker's workflowsPath entry: every example workflow the sandbox bundle contains.
 * Keep this file to re-exports so the bundle stays free of non-workflow code.
 */
export { greeterWorkflow } from './greeter.workflow.js';
export { orderWorkflow } from './orders.workflow.js';
