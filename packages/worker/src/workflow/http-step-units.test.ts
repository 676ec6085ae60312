import { msToNumber } from '@temporalio/common/lib/time.js';
import { describe, expect, it } from 'vitest';
import { evaluateCondition } from './condition.js';
import { jsonPathProblem, selectAll } from './json-path.js';
import { refusalFailure, statusFailure } from './step-outcome.js';
import { renderTemplate } from './template.js';

/** The pure parts of HTTP steps: retry decisions, templates, conditions, JSONPath. */
const context = { attempt: 1, connector: 'api', target: 'connector "api"', retry: undefined };
const policy = { timeoutMs: 1_000, maxRetries: 2, retryBackoffMs: 100 };
const response = (status: number, headers: Record<string, string> = {}) => ({
  kind: 'response' as const,
  status,
  headers,
  body: Buffer.from('{"error":"nope"}'),
  policy,
});
const delayOf = (failure: ReturnType<typeof statusFailure>) =>
  failure?.nextRetryDelay == null ? undefined : msToNumber(failure.nextRetryDelay);

describe('retry decisions', () => {
  it('succeeds below 400 and fails 4xx (not 408/429) for good, with status and excerpt', () => {
    expect(statusFailure(context, response(204))).toBeUndefined();
    const notFound = statusFailure(context, response(404));
    expect(notFound).toMatchObject({ code: 'UPSTREAM_STATUS', status: 404, retryable: false, nonRetryable: true });
    expect(notFound?.bodyExcerpt).toBe('{"error":"nope"}');
  });

  it('retries 408, 429 and 5xx with exponential backoff from the connector, up to its attempts', () => {
    for (const status of [408, 429, 500, 502]) {
      expect(statusFailure(context, response(status))).toMatchObject({ retryable: true, nonRetryable: false });
    }
    expect(delayOf(statusFailure({ ...context, attempt: 2 }, response(500)))).toBe(200);
    const last = statusFailure({ ...context, attempt: 3 }, response(500));
    expect(last).toMatchObject({ retryable: true, nonRetryable: true });
    expect(last?.message).toContain('gave up after 3 attempts');
  });

  it('honours Retry-After on 429 and 503 as the next retry delay; the step retry overrides the connector', () => {
    expect(delayOf(statusFailure(context, response(429, { 'retry-after': '7' })))).toBe(7_000);
    expect(delayOf(statusFailure(context, response(503, { 'retry-after': '2' })))).toBe(2_000);
    expect(delayOf(statusFailure(context, response(500, { 'retry-after': '9' })))).toBe(100);
    const stepRetry = { ...context, attempt: 3, retry: { attempts: 5, backoffMs: 10 } };
    expect(delayOf(statusFailure(stepRetry, response(500)))).toBe(40);
  });

  it('maps egress refusals to typed failures; control-plane trouble is always retried', () => {
    const refused = { kind: 'refused' as const, httpStatus: 412, detail: 'connector "api" is disabled', policy: null };
    const base = { ...refused, code: 'PRECONDITION_FAILED', retryable: false, tokenRequest: false };
    const none = { maxBytes: undefined, category: undefined };
    expect(refusalFailure(context, { ...base, ...none })).toMatchObject({ code: 'CONNECTOR_UNAVAILABLE' });
    expect(refusalFailure(context, { ...base, ...none, code: 'BAD_GATEWAY', tokenRequest: true })).toMatchObject({
      code: 'TOKEN_REFRESH_FAILED',
    });
    expect(
      refusalFailure(context, { ...base, code: 'FORBIDDEN', maxBytes: undefined, category: 'private' }),
    ).toMatchObject({ code: 'DESTINATION_BLOCKED' });
    const outage = { ...base, ...none, httpStatus: 503, code: 'UNAVAILABLE', retryable: true };
    expect(refusalFailure({ ...context, attempt: 50 }, outage)).toMatchObject({
      code: 'CONTROL_PLANE_UNAVAILABLE',
      nonRetryable: false,
    });
    expect(refusalFailure(context, { ...base, ...none, httpStatus: 401, code: 'UNAUTHORIZED' })).toMatchObject({
      code: 'CONTROL_PLANE_UNAVAILABLE',
      nonRetryable: false,
    });
  });
});

describe('body templates', () => {
  it('escapes values as JSON string content, not HTML', () => {
    const body = renderTemplate('{"a": "{{text}}", "b": "{{obj}}", "c": {{n}}, "d": "{{missing}}", "e": {{{raw}}}}', {
      text: 'say "hi" <b>&</b>\n\\',
      obj: { x: [1] },
      n: 3,
      raw: '[1,2]',
    });
    expect(JSON.parse(body)).toEqual({ a: 'say "hi" <b>&</b>\n\\', b: '{"x":[1]}', c: 3, d: '', e: [1, 2] });
  });
});

describe('conditions', () => {
  it('evaluates CEL over plain JSON vars and reports what does not parse or is not a bool', () => {
    const vars = { order: { total: 120, tags: ['vip'], status: 'paid' } };
    expect(evaluateCondition('order.total > 100.0 && "vip" in order.tags', vars)).toEqual({ ok: true, value: true });
    expect(evaluateCondition('order.status == "open"', vars)).toEqual({ ok: true, value: false });
    expect(evaluateCondition('order.(', vars)).toMatchObject({
      ok: false,
      message: expect.stringContaining('does not parse'),
    });
    expect(evaluateCondition('order.total', vars)).toMatchObject({
      ok: false,
      message: expect.stringContaining('bool'),
    });
    expect(evaluateCondition('nobody.here', vars)).toMatchObject({ ok: false });
  });
});

describe('JSONPath', () => {
  it('refuses malformed expressions and selects every match', () => {
    for (const bad of ['files', '$.files[*.id', '$.a.', '$[]', '$[?(@.x ==', '$[?(process.exit())]']) {
      expect(jsonPathProblem(bad)).toBeDefined();
    }
    expect(jsonPathProblem('$.files[?(@.size > 2)].id')).toBeUndefined();
    const doc = { files: [{ id: 'a' }, { id: 'b', size: 3 }] };
    expect(selectAll({ ids: '$.files[*].id', big: '$.files[?(@.size > 2)].id', none: '$.x' }, doc)).toEqual({
      ids: ['a', 'b'],
      big: ['b'],
      none: [],
    });
  });
});
