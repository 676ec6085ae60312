import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { createLogger } from '@wfb/core/logger.js';
import type { RunningWorkers } from '@wfb/worker/run-workers.js';
import { runStepWorkers } from '@wfb/worker/workflow/testing/run-step-workers.js';
import type { StepReport } from '@wfb/worker/workflow/testing/step-workflows.js';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../../src/net/testing/local-server.js';
import { eventually } from '../eventually.js';
import { startTcpProxy, type TcpProxy } from '../tcp-proxy.js';
import { callerFor } from '../test-app.js';
import { type StepHarness, startStepHarness, workerToken } from './step-harness.js';

/**
 * Every fault of an HTTP step gives a typed HttpStepFailure, with no secret in the history:
 * unknown, foreign, disabled and unauthorised connectors, a refused token request, bad
 * JSONPath, upstream 4xx / 5xx / timeout / oversized body, and a control plane that is
 * down for a while (the workflow resumes when it is back).
 */
const secret = 'CANARY-faults-api-key-5c7e9a1c3e5a7c9f';
const temporalAddress = inject('temporalAddress');
let h: StepHarness;
let upstream: LocalServer;
const flakyCalls = new Map<string, number>();

beforeAll(async () => {
  upstream = await startLocalServer((request, response) => {
    const path = request.url.split('?')[0] ?? '';
    if (path === '/token') {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'invalid_client' }));
      return;
    }
    if (path.startsWith('/slow')) {
      setTimeout(() => response.writeHead(200).end('late'), 2_000).unref();
      return;
    }
    if (path.startsWith('/big')) {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(10_000));
      return;
    }
    if (path.startsWith('/flaky/')) {
      const seen = (flakyCalls.get(path) ?? 0) + 1;
      flakyCalls.set(path, seen);
      if (seen === 1) {
        response.writeHead(503, { 'retry-after': '1', 'content-type': 'text/plain' }).end('busy');
        return;
      }
    }
    const status = Number(/\/status\/(\d{3})/.exec(path)?.[1] ?? 200);
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ status, key: request.headers['x-key'], note: 'quota exceeded for this plan' }));
  });
  h = await startStepHarness({ temporalAddress, namespace: 'wfb-test-a' });
  const caller = callerFor(h.testApp, h.owner);
  const auth = { type: 'api_key', placement: 'header', name: 'X-Key', apiKey: secret } as const;
  const base = { projectId: h.projectId, baseUrl: upstream.origin, auth, maxRetries: 1, retryBackoffMs: 10 };
  await caller.connectors.create({ ...base, name: 'api' });
  const off = await caller.connectors.create({ ...base, name: 'off' });
  await caller.connectors.setEnabled({ id: off.id, enabled: false });
  const stale = await caller.connectors.create({ ...base, name: 'stale' });
  await sql`update connectors set auth_status = 'needs_reauth' where id = ${stale.id}`.execute(h.testApp.database.db);
  await caller.connectors.create({
    ...base,
    name: 'refused-token',
    auth: {
      type: 'oauth2_client_credentials',
      tokenUrl: `${upstream.origin}/token`,
      clientId: 'c',
      clientSecret: secret,
    },
  });
  const stranger = randomUUID();
  const other = await callerFor(h.testApp, stranger).projects.create({
    slug: `other-${randomUUID().slice(0, 6)}`,
    name: 'O',
  });
  await callerFor(h.testApp, stranger).connectors.create({ ...base, projectId: other.id, name: 'theirs' });
});
afterAll(async () => {
  await h?.close();
  await upstream?.close();
});

function failureOf<T>(report: StepReport<T>) {
  if (report.ok) throw new Error(`expected a failure, got ${JSON.stringify(report.result)}`);
  return report.failure;
}

describe('HTTP step faults on a real Temporal dev server', () => {
  it('refuses unknown, foreign, disabled and unauthorised connectors without retrying, naming them', async () => {
    for (const connector of ['nope', 'theirs', 'off', 'stale']) {
      const failure = failureOf(await h.http({ connector, path: '/x' }));
      expect(failure).toMatchObject({ code: 'CONNECTOR_UNAVAILABLE', retryable: false, connector, status: null });
      expect(failure.message).toContain(`connector "${connector}"`);
    }
  });

  it('reports a refused token request as TOKEN_REFRESH_FAILED, final', async () => {
    const failure = failureOf(await h.http({ connector: 'refused-token', path: '/x' }));
    expect(failure).toMatchObject({ code: 'TOKEN_REFRESH_FAILED', retryable: false, connector: 'refused-token' });
    expect(failure.message).toContain('invalid_client');
  });

  it('rejects a JSONPath that does not parse before any call', async () => {
    const before = upstream.requests.length;
    const failure = failureOf(await h.http({ connector: 'api', path: '/x', select: { ids: '$.files[*.id' } }));
    expect(failure).toMatchObject({ code: 'INVALID_INPUT', retryable: false });
    expect(failure.message).toContain('select.ids');
    expect(upstream.requests.length).toBe(before);
  });

  it('fails a 4xx at once with its status and a body excerpt', async () => {
    const before = upstream.requests.length;
    const failure = failureOf(await h.http({ connector: 'api', path: '/status/404' }));
    expect(failure).toMatchObject({ code: 'UPSTREAM_STATUS', status: 404, retryable: false, connector: 'api' });
    expect(failure.bodyExcerpt).toContain('quota exceeded');
    expect(failure.bodyExcerpt).toContain('[redacted]');
    expect(upstream.requests.length).toBe(before + 1);
  });

  it('retries 5xx up to the connector budget, and a 503 with Retry-After until it passes', async () => {
    const before = upstream.requests.length;
    const failure = failureOf(await h.http({ connector: 'api', path: '/status/500' }));
    expect(failure).toMatchObject({ code: 'UPSTREAM_STATUS', status: 500, retryable: true });
    expect(failure.message).toContain('gave up after 2 attempts');
    expect(upstream.requests.length).toBe(before + 2);
    const recovered = await h.http({ connector: 'api', path: `/flaky/${randomUUID()}` });
    expect(recovered).toMatchObject({ ok: true, result: { status: 200 } });
  });

  it('times out per attempt with the step timeout, and refuses an oversized body without retrying', async () => {
    const slow = failureOf(
      await h.http({ connector: 'api', path: '/slow', timeout: 200, retry: { attempts: 2, backoff: 10 } }),
    );
    expect(slow).toMatchObject({ code: 'UPSTREAM_TIMEOUT', retryable: true });
    const big = failureOf(await h.http({ connector: 'api', path: '/big' }));
    expect(big).toMatchObject({ code: 'RESPONSE_TOO_LARGE', retryable: false });
  });

  it('fails the workflow itself with type HttpStepFailure when the workflow does not catch it', async () => {
    const id = await h.start('httpStepUncaught', { connector: 'nope', path: '/x' });
    const error = await h.client.workflow
      .getHandle(id)
      .result()
      .then(
        () => undefined,
        (reason: unknown) => reason,
      );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = error instanceof WorkflowFailedError ? error.cause : undefined;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause instanceof ApplicationFailure && cause.type).toBe('HttpStepFailure');
    expect(cause instanceof ApplicationFailure && cause.details?.[0]).toMatchObject({ code: 'CONNECTOR_UNAVAILABLE' });
  });

  it('waits out a control plane that cannot be reached and resumes when it is back', async () => {
    const port = Number(new URL(h.controlPlaneUrl).port);
    const proxy: TcpProxy = await startTcpProxy({ host: '127.0.0.1', port });
    const taskQueue = `${h.taskQueue}-proxied`;
    const workers: RunningWorkers = await runStepWorkers({
      address: temporalAddress,
      namespace: 'wfb-test-a',
      taskQueue,
      logger: createLogger({ level: 'warn' }),
      controlPlane: { url: `http://127.0.0.1:${proxy.port}`, token: workerToken },
    });
    try {
      proxy.cut();
      const handle = await h.client.workflow.start('httpStepProbe', {
        args: [{ connector: 'api', path: '/after-outage' }],
        taskQueue,
        workflowId: `outage-${randomUUID()}`,
      });
      await eventually(
        async () => {
          const [pending] = (await handle.describe()).raw.pendingActivities ?? [];
          return (pending?.attempt ?? 0) >= 2 && String(pending?.lastFailure?.message).includes('unreachable');
        },
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      proxy.restore();
      expect(await handle.result()).toMatchObject({ ok: true, result: { status: 200 } });
    } finally {
      await workers.shutdown();
      await proxy.close();
    }
  });

  it('leaves the connector secret out of every history and log', async () => {
    const haystacks = [await h.histories(), h.workerLogs.join('\n'), h.testApp.logs.join('\n')];
    for (const text of haystacks) expect(text.includes(secret)).toBe(false);
  });
});
