/**
 * The fleet's workflowsPath entry: the example services, the built-in connector ping and the
 * example cross-project caller. Re-exports only, so the bundle holds workflow code alone.
 */
// Fire-and-forget webhooks run as this child workflow; every bundle using webhook() exports it.

export { connectorDemoWorkflow } from '../examples/connector-demo.workflow.js';
export { crossProjectOrderWorkflow } from '../examples/cross-project.workflow.js';
export { greeterWorkflow } from '../examples/greeter.workflow.js';
export { orderWorkflow } from '../examples/orders.workflow.js';
export { wfbConnectorPing } from '../nexus/ping.workflow.js';
export { wfbWebhookDelivery } from '../workflow/webhook.js';
