/** The bundle of the Nexus end-to-end tests and benchmark: the fleet's workflows plus test callers. */
export * from '../../fleet/fleet-workflows.js';
export { callOnceWorkflow, rawEndpointCallWorkflow, repeatQueryWorkflow } from './caller-test.workflow.js';
