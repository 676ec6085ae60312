/**
 * Shapes of the greeter workflow, importable without the workflow sandbox. The greeter is
 * the smallest possible "start and wait for a result" example.
 */
export const greeterWorkflowType = 'greeterWorkflow';

export interface GreeterInput {
  name: string;
}
