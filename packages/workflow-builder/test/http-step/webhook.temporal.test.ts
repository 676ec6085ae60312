import { randomUUID } from 'node:crypto';
import type { WebhookResult } from '@wfb/worker/workflow/http-step.contract.js';
import type { StepReport } from '@wfb/worker/workflow/testing/step-workflows.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../../src/net/testing/local-server.js';
import { eventually } from '../eventually.js';
import { callerFor } from '../test-app.js';
import { type StepHarness, startStepHarness } from './step-harness.js';

/**
 * webhook() on a real Temporal dev server: blocking and fire-and-forget, to a connector
 * (credentials injected) and to a plain URL (same egress), with a JSON-escaped body
 * template and a CEL condition evaluated before any call.
 */
const secret = 'CANARY-webhook-token-2b4d6f8a0c2e4a6b';
let h: StepHarness;
let hooks: LocalServer;
const firstFailures = new Set<string>();

beforeAll(async () => {
  hooks = await startLocalServer((request, response) => {
    // `/once-busy/<id>` answers 503 to its first delivery, then 200.
    if (request.url.startsWith('/once-busy/') && !firstFailures.has(request.url)) {
      firstFailures.add(request.url);
      response.writeHead(503, { 'retry-after': '1' }).end();
      return;
    }
    if (request.url.startsWith('/gone')) {
      response.writeHead(410).end();
      return;
    }
    response.writeHead(202, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ accepted: true }));
  });
  h = await startStepHarness({ temporalAddress: inject('temporalAddress'), namespace: 'default' });
  await callerFor(h.testApp, h.owner).connectors.create({
    projectId: h.projectId,
    name: 'hooks',
    baseUrl: hooks.origin,
    auth: { type: 'bearer', token: secret },
    maxRetries: 3,
    retryBackoffMs: 10,
  });
});
afterAll(async () => {
  await h?.close();
  await hooks?.close();
});

function resultOf(report: StepReport<WebhookResult>): WebhookResult {
  if (!report.ok) throw new Error(`webhook failed: ${JSON.stringify(report.failure)}`);
  return report.result;
}

const deliveredTo = (path: string) => hooks.requests.filter((request) => request.url === path);

describe('webhook() on a real Temporal dev server', () => {
  it('delivers a blocking webhook through a connector with a JSON-escaped template body', async () => {
    const path = `/orders/${randomUUID()}`;
    const result = resultOf(
      await h.webhook({
        connector: 'hooks',
        path,
        body: '{"text": "Order {{id}} for {{customer}}", "total": {{total}}, "order": "{{order}}"}',
        vars: { id: 'A-1', customer: 'Ada "the" Lovelace\nLondon', total: 12.5, order: { items: 2 } },
      }),
    );
    expect(result).toMatchObject({ outcome: 'delivered', status: 202, body: { accepted: true } });
    const [received] = deliveredTo(path);
    expect(received?.headers).toMatchObject({ authorization: `Bearer ${secret}`, 'content-type': 'application/json' });
    expect(JSON.parse(received?.body ?? '')).toEqual({
      text: 'Order A-1 for Ada "the" Lovelace\nLondon',
      total: 12.5,
      order: '{"items":2}',
    });
  });

  it('delivers to a plain URL through the same egress, with PUT and a JSON body', async () => {
    const path = `/plain/${randomUUID()}`;
    const result = resultOf(await h.webhook({ url: `${hooks.origin}${path}`, method: 'PUT', body: { n: 1 } }));
    expect(result).toMatchObject({ outcome: 'delivered', status: 202 });
    expect(deliveredTo(path)[0]).toMatchObject({ method: 'PUT', body: '{"n":1}' });
    expect(deliveredTo(path)[0]?.headers.authorization).toBeUndefined();
  });

  it('skips the call when the condition is false and makes it when true', async () => {
    const path = `/conditional/${randomUUID()}`;
    const options = { connector: 'hooks', path, body: '{}', condition: 'order.total > 100.0 && size(order.items) > 0' };
    const skipped = resultOf(await h.webhook({ ...options, vars: { order: { total: 50, items: ['a'] } } }));
    expect(skipped).toEqual({ outcome: 'skipped', reason: `condition is false: ${options.condition}` });
    expect(deliveredTo(path)).toHaveLength(0);
    const sent = resultOf(await h.webhook({ ...options, vars: { order: { total: 150, items: ['a'] } } }));
    expect(sent).toMatchObject({ outcome: 'delivered', status: 202 });
    expect(deliveredTo(path)).toHaveLength(1);
  });

  it('rejects a condition that does not parse before any activity is scheduled', async () => {
    const id = await h.start('webhookStepProbe', { url: `${hooks.origin}/never`, condition: 'order.(', vars: {} });
    const report = await h.client.workflow.getHandle(id).result();
    expect(report).toMatchObject({ ok: false, failure: { code: 'INVALID_INPUT', retryable: false } });
    const history = JSON.stringify(await h.client.workflow.getHandle(id).fetchHistory());
    expect(history).not.toContain('activityTaskScheduledEventAttributes');
  });

  it('fires and forgets: the workflow completes first, the delivery still happens with its retries', async () => {
    const path = `/once-busy/${randomUUID()}`;
    const result = resultOf(
      await h.webhook({ connector: 'hooks', path, body: '{"event": "done"}', mode: 'fire-and-forget' }),
    );
    expect(result).toMatchObject({ outcome: 'scheduled', workflowId: expect.stringContaining('-webhook-') });
    if (result.outcome !== 'scheduled') throw new Error('not scheduled');
    // The parent has completed; its abandoned child keeps delivering: 503 first, then 202.
    const child = h.client.workflow.getHandle(result.workflowId);
    expect(await child.result()).toMatchObject({ outcome: 'delivered', status: 202 });
    expect(deliveredTo(path)).toHaveLength(2);
  });

  it('never fails the workflow for a fire-and-forget delivery that fails', async () => {
    const path = `/gone/${randomUUID()}`;
    const result = resultOf(await h.webhook({ url: `${hooks.origin}${path}`, body: '{}', mode: 'fire-and-forget' }));
    expect(result.outcome).toBe('scheduled');
    if (result.outcome !== 'scheduled') throw new Error('not scheduled');
    await eventually(
      async () => (await h.client.workflow.getHandle(result.workflowId).describe()).status.name === 'FAILED',
      {
        timeoutMs: 20_000,
        intervalMs: 100,
      },
    );
    expect(deliveredTo(path)).toHaveLength(1);
  });

  it('leaves the connector secret out of every history, child histories included', async () => {
    const histories = await h.histories();
    expect(histories).toContain('-webhook-');
    expect(histories.includes(secret)).toBe(false);
    expect(h.workerLogs.join('\n').includes(secret)).toBe(false);
  });
});
