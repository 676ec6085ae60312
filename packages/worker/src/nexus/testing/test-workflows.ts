/** The bundle of the Nexus end-to-end tests and benchmark: the fleet's workflows plus test callers. */
export * from '../../fleet/fleet-workflows.js';
export { benchLocalActivityQueriesWorkflow, benchNexusQueriesWorkflow } from './bench.workflow.js';
export { callOnceWorkflow, rawEndpointCallWorkflow } from './caller-test.workflow.js';
