import { proxyLocalActivities, proxySinks, type Sinks } from '@temporalio/workflow';
import { callProject } from '../../workflow/call-project.js';

/**
 * The benchmark's caller workflows (`pnpm bench:nexus`): the same query through Nexus and
 * through a local activity that calls the target with a client. Each call is bracketed by
 * sink marks: sinks run outside the sandbox when an activation completes, in real time, so
 * a mark pair spans from the activation that scheduled the call to the one that got its
 * result — what the calling workflow waits, workflow-task round trips included.
 */
export interface BenchSinks extends Sinks {
  bench: { mark(label: string, call: number, phase: 'before' | 'after'): void };
}

export interface BenchActivities {
  benchQueryOrder(workflowId: string): Promise<unknown>;
}

const { bench } = proxySinks<BenchSinks>();
const { benchQueryOrder } = proxyLocalActivities<BenchActivities>({ startToCloseTimeout: '10 seconds' });

export interface BenchInput {
  connector: string;
  iface: string;
  workflowId: string;
  count: number;
  label: string;
}

export async function benchNexusQueriesWorkflow(input: BenchInput): Promise<number> {
  const project = callProject(input.connector);
  // The first call of a run checks the connector (a local activity); keep it out of the samples.
  await project.query(input.iface, { workflowId: input.workflowId });
  for (let call = 0; call < input.count; call += 1) {
    bench.mark(input.label, call, 'before');
    await project.query(input.iface, { workflowId: input.workflowId });
    bench.mark(input.label, call, 'after');
  }
  return input.count;
}

export async function benchLocalActivityQueriesWorkflow(input: BenchInput): Promise<number> {
  for (let call = 0; call < input.count; call += 1) {
    bench.mark(input.label, call, 'before');
    await benchQueryOrder(input.workflowId);
    bench.mark(input.label, call, 'after');
  }
  return input.count;
}
