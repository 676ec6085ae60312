import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../test/databases.js';
import { createFuzzFixture, type FuzzFixture } from '../../test/fuzz/fuzz-fixture.js';
import { headerValue, rawJsonText } from '../../test/fuzz/fuzz-values.js';
import { listProcedures, type ProcedureInfo, procedureOf } from '../../test/fuzz/procedures.js';
import { resolveRefs, valueFor } from '../../test/fuzz/schema-arbitrary.js';
import { callerFor, createTestApp, type TestApp } from '../../test/test-app.js';
import { connectorEnv } from '../domain/connectors/testing/fixtures.js';
import { type LocalServer, startLocalServer } from '../net/testing/local-server.js';

/**
 * Property: whatever a signed-in caller sends to any procedure, the answer is a result or a
 * 4xx, never a 5xx. Every procedure of the app router is fuzzed (found by walking it), with
 * inputs shaped like its own schema and nasty values mixed in; seeded, so a failure replays.
 * FUZZ_SEED and FUZZ_RUNS (per procedure) widen a local run.
 */
const seed = Number(process.env.FUZZ_SEED ?? 20261201);
const runsPerProcedure = Number(process.env.FUZZ_RUNS ?? 3);
const procedures = listProcedures();

type Who = 'owner' | 'viewer' | 'stranger';
const who = fc.constantFrom<Who>('owner', 'owner', 'owner', 'viewer', 'stranger');

/** The log line of the last hidden 500, so a failure says what broke. */
function lastInternalError(testApp: TestApp): string {
  return testApp.logs.findLast((line) => line.includes('"level":50'))?.slice(0, 2_000) ?? '(none logged)';
}

function errorMessageOf(entry: unknown): string {
  const error: unknown = typeof entry === 'object' && entry !== null ? Reflect.get(entry, 'error') : undefined;
  const message: unknown = typeof error === 'object' && error !== null ? Reflect.get(error, 'message') : undefined;
  return typeof message === 'string' ? message : '';
}

describe.each(driverKinds)('every tRPC procedure under random input on %s (database)', (kind) => {
  let testApp: TestApp;
  let upstream: LocalServer;
  let fixture: FuzzFixture;

  beforeAll(async () => {
    upstream = await startLocalServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"ok":true}');
    });
    testApp = await createTestApp(kind, connectorEnv({ LOG_LEVEL: 'warn' }));
    fixture = createFuzzFixture(testApp, upstream);
  });
  afterAll(async () => {
    await testApp?.close();
    await upstream?.close();
  });

  it('finds the procedures by walking the router', () => {
    expect(procedures.length).toBeGreaterThanOrEqual(40);
    expect(procedures.map((procedure) => procedure.path)).toContain('projects.members.add');
  });

  async function callDirect(procedure: ProcedureInfo, input: unknown, as: Who): Promise<void> {
    await fixture.ensure();
    const resolved = resolveRefs(input, (ref) => fixture.resolve(ref, procedure.path));
    try {
      await procedureOf(callerFor(testApp, fixture.users[as]), procedure.path)(resolved);
      fixture.noteSuccess(procedure.path);
    } catch (error) {
      if (!(error instanceof TRPCError)) throw new Error(`${procedure.path} threw a non-tRPC error`, { cause: error });
      const status = getHTTPStatusCodeFromError(error);
      if (status >= 500) {
        throw new Error(`${procedure.path} → ${status} ${error.message}\n${lastInternalError(testApp)}`);
      }
    }
  }

  it.each(procedures.map((procedure) => [procedure.path, procedure] as const))(
    '%s never fails with 5xx through the caller',
    async (_path, procedure) => {
      const property = fc.asyncProperty(valueFor(procedure.inputSchema, ''), who, (input, as) =>
        callDirect(procedure, input, as),
      );
      await fc.assert(property, { seed, numRuns: runsPerProcedure });
    },
  );

  /** A request to /trpc/<path>: mostly the right method and encoding, sometimes not. */
  const httpVariant = fc.constantFrom('normal', 'normal', 'normal', 'wrong-method', 'raw-body', 'batch', 'bad-auth');

  async function callHttp(
    procedure: ProcedureInfo,
    input: unknown,
    as: Who,
    variant: string,
    raw: string,
    auth: string,
  ) {
    await fixture.ensure();
    const resolved = resolveRefs(input, (ref) => fixture.resolve(ref, procedure.path));
    const json = JSON.stringify(resolved) ?? 'null';
    const headers: Record<string, string> = {
      authorization: variant === 'bad-auth' ? auth : `Bearer ${await testApp.token(fixture.users[as])}`,
      'content-type': 'application/json',
    };
    const asQuery = (procedure.type === 'query') !== (variant === 'wrong-method');
    const batch = variant === 'batch';
    const url = `/trpc/${procedure.path}${batch ? '?batch=1' : ''}`;
    const payload = variant === 'raw-body' ? raw : batch ? `{"0":${json}}` : json;
    const response = asQuery
      ? await testApp.app.server.inject({
          method: 'GET',
          url: `${url}${batch ? '&' : '?'}input=${encodeURIComponent(payload)}`,
          headers,
        })
      : await testApp.app.server.inject({ method: 'POST', url, headers, payload });
    const summary = `${procedure.path} (${variant}) → ${response.statusCode} ${response.body.slice(0, 300)}`;
    if (response.statusCode >= 500) throw new Error(`${summary}\n${lastInternalError(testApp)}`);
    if (response.statusCode < 400) {
      if (!batch && variant !== 'wrong-method') fixture.noteSuccess(procedure.path);
      return;
    }
    const body: unknown = JSON.parse(response.body);
    const errors = Array.isArray(body) ? body : [body];
    if (!errors.every((entry) => errorMessageOf(entry) !== '')) throw new Error(`no reason in ${summary}`);
  }

  it.each(procedures.map((procedure) => [procedure.path, procedure] as const))(
    '%s never fails with 5xx over HTTP /trpc',
    async (_path, procedure) => {
      const property = fc.asyncProperty(
        valueFor(procedure.inputSchema, ''),
        who,
        httpVariant,
        rawJsonText,
        fc.oneof(
          headerValue.map((text) => `Bearer ${text}`),
          headerValue,
        ),
        (input, as, variant, raw, auth) => callHttp(procedure, input, as, variant, raw, auth),
      );
      await fc.assert(property, { seed, numRuns: runsPerProcedure });
    },
  );
});
