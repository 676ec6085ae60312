import { ApplicationFailure, NexusOperationFailure } from '@temporalio/common';
import { createNexusServiceClient } from '@temporalio/workflow';
import * as nexus from 'nexus-rpc';
import { callProject } from '../../workflow/call-project.js';
import { type ProjectCallErrorInfo, projectCallErrorInfo } from '../../workflow/project-call-error.js';
import { projectConnectorService } from '../contract.js';
import { reasonOfType } from '../refusals.js';

/**
 * Caller workflows for the end-to-end tests and the benchmark: each makes one or more calls
 * through callProject and reports what happened as data, so a test asserts on kinds and
 * reasons without unwrapping workflow failures.
 */
export interface CallOnceInput {
  connector: string;
  op: 'signal' | 'query' | 'update' | 'start' | 'ping';
  iface?: string;
  workflowId?: string;
  input?: unknown;
  timeoutMs: number;
  /** For a start: wait for the started workflow's result too. */
  awaitResult?: boolean;
}

export type CallOnceResult = { ok: true; value: unknown } | { ok: false; error: ProjectCallErrorInfo; message: string };

export async function callOnceWorkflow(input: CallOnceInput): Promise<CallOnceResult> {
  const project = callProject(input.connector, { timeout: input.timeoutMs });
  const call = {
    ...(input.workflowId !== undefined && { workflowId: input.workflowId }),
    ...(input.input !== undefined && { input: input.input }),
  };
  const iface = input.iface ?? '';
  try {
    switch (input.op) {
      case 'signal':
        return { ok: true, value: await project.signal(iface, call) };
      case 'query':
        return { ok: true, value: await project.query(iface, call) };
      case 'update':
        return { ok: true, value: await project.update(iface, call) };
      case 'ping':
        return { ok: true, value: await project.ping() };
      case 'start': {
        const started = await project.start(iface, { ...call, timeout: input.timeoutMs });
        return { ok: true, value: input.awaitResult ? await started.result() : 'started' };
      }
    }
  } catch (error) {
    const info = projectCallErrorInfo(error);
    if (!info) throw error;
    return { ok: false, error: info, message: error instanceof Error ? error.message : String(error) };
  }
}

/** Calls an endpoint by name, bypassing callProject: a caller in the wrong namespace. */
export async function rawEndpointCallWorkflow(input: {
  endpoint: string;
  timeoutMs: number;
}): Promise<{ handlerType: string | null; reason: string | null; message: string }> {
  const client = createNexusServiceClient({ endpoint: input.endpoint, service: projectConnectorService });
  try {
    await client.executeOperation('ping', {}, { scheduleToCloseTimeout: input.timeoutMs });
    return { handlerType: null, reason: null, message: 'succeeded' };
  } catch (error) {
    if (!(error instanceof NexusOperationFailure) || !(error.cause instanceof nexus.HandlerError)) throw error;
    const inner = error.cause.cause;
    return {
      handlerType: error.cause.type,
      reason: inner instanceof ApplicationFailure ? (reasonOfType(inner.type) ?? null) : null,
      message: error.cause.message,
    };
  }
}
