/**
 * The worker's workflowsPath entry: every example workflow the sandbox bundle contains.
 * Keep this file to re-exports so the bundle stays free of non-workflow code.
 */

// Fire-and-forget webhooks run as this child workflow; every bundle using webhook() exports it.
export { wfbWebhookDelivery } from '../workflow/webhook.js';
export { connectorDemoWorkflow } from './connector-demo.workflow.js';
export { greeterWorkflow } from './greeter.workflow.js';
export { orderWorkflow } from './orders.workflow.js';
