import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { createLogger } from '@wfb/core/logger.js';
import { getOrderQuery, orderWorkflowType } from '@wfb/worker/examples/orders.contract.js';
import { type RunFleetOptions, runFleet } from '@wfb/worker/fleet/run-fleet.js';
import type { BenchInput } from '@wfb/worker/nexus/testing/bench.workflow.js';
import { nexusTestWorkflowsPath } from '@wfb/worker/nexus/testing/test-workflows-path.js';
import { startTemporalDevServer } from '@wfb/worker/testing/temporal-dev-server.js';
import { createApp } from '../src/app.js';
import { seedCrossProjectDemo } from '../src/dev/demo-cross-project.js';
import { seedDemo } from '../src/dev/demo-seed.js';
import { parseEnv } from '../src/env.js';
import { createTestDatabase } from '../test/databases.js';
import { formatRow, type LatencySummary, measure, ratio, summarize } from './bench-utils.js';

/**
 * `pnpm bench:nexus`: one query of the example order workflow, three ways, in one run on this
 * machine (a Temporal dev server, the control plane with its endpoint controller, the worker
 * fleet with the Nexus handler):
 *   1. a direct @temporalio/client query (the floor);
 *   2. from a caller workflow through a local activity that queries with a client;
 *   3. from a caller workflow through callProject → Nexus endpoint → handler → query.
 * (2) and (3) are timed by sink marks around each call: from the activation that scheduled the
 * call to the one that received its result, i.e. what the caller workflow waits.
 * Then throughput: N concurrent caller workflows making M Nexus queries each.
 * Options: --samples 300 --concurrency 16 --per-workflow 25.
 */
const { values: options } = parseArgs({
  options: {
    samples: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '16' },
    'per-workflow': { type: 'string', default: '25' },
  },
});
const samples = Number(options.samples);
const concurrency = Number(options.concurrency);
const perWorkflow = Number(options['per-workflow']);
const callerNamespace = 'wfb-bench-caller';
const targetNamespace = 'wfb-bench-orders';
const taskQueue = `bench-nexus-${randomUUID()}`;
const nexusTaskQueue = `bench-nexus-handler-${randomUUID()}`;
const orderId = `bench-order-${randomUUID()}`;
const userId = randomUUID();

/** Sink marks, by workflow id and label: before/after pairs become samples. */
const marks = new Map<string, number>();
const durations = new Map<string, number[]>();
const sinks: NonNullable<NonNullable<RunFleetOptions['workerOptions']>['sinks']> = {
  bench: {
    mark: {
      fn(info: { workflowId: string }, label: string, call: number, phase: 'before' | 'after') {
        const key = `${info.workflowId}\n${label}\n${call}`;
        if (phase === 'before') {
          marks.set(key, performance.now());
          return;
        }
        const before = marks.get(key);
        if (before === undefined) return;
        marks.delete(key);
        const list = durations.get(label) ?? [];
        list.push(performance.now() - before);
        durations.set(label, list);
      },
      callDuringReplay: false,
    },
  },
};

async function main() {
  const logger = createLogger({ level: 'warn' });
  const server = await startTemporalDevServer({
    namespaces: [callerNamespace, targetNamespace],
    ...(process.env.TEMPORAL_CLI_PATH && { cliPath: process.env.TEMPORAL_CLI_PATH }),
  });
  const database = await createTestDatabase(process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite');
  const env = parseEnv({
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    SUPABASE_JWT_SECRET: 'bench-jwt-secret-0123456789abcdefghijklmnopqrstuvwxyz',
    API_KEY_PEPPER: 'bench-pepper-0123456789abcdefghijklmnopqrstuvwxyz',
    DATA_DIR: '.data/bench-unused',
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_ALLOWED_NAMESPACES: `${callerNamespace},${targetNamespace}`,
    NEXUS_TASK_QUEUE: nexusTaskQueue,
  });
  const app = await createApp(env, logger, { database });
  const connection = await Connection.connect({ address: server.address });
  const targetClient = new Client({ connection, namespace: targetNamespace });
  const callerClient = new Client({ connection, namespace: callerNamespace });
  const fleet = await runFleet({
    address: server.address,
    logger,
    namespaces: [callerNamespace, targetNamespace],
    taskQueue,
    nexus: { database, taskQueue: nexusTaskQueue, allProjects: false },
    workflowsPath: nexusTestWorkflowsPath,
    activities: {
      benchQueryOrder: (workflowId: string) => targetClient.workflow.getHandle(workflowId).query(getOrderQuery),
    },
    workerOptions: { sinks },
    installRuntime: true,
  });
  try {
    const demo = await seedDemo({ app, userId, namespace: targetNamespace, taskQueue });
    const cross = await seedCrossProjectDemo({
      app,
      userId,
      targetSlug: demo.project.slug,
      namespace: callerNamespace,
      taskQueue,
      temporalAddress: server.address,
      temporalCli: 'temporal',
    });
    if (cross.connector.status !== 'synced') throw new Error(`connector endpoint is ${cross.connector.status}`);
    await fleet.policy?.settled();
    await targetClient.workflow.start(orderWorkflowType, {
      taskQueue,
      workflowId: orderId,
      args: [{ customer: 'bench' }],
    });

    const handle = targetClient.workflow.getHandle(orderId);
    await measure(() => handle.query(getOrderQuery), { durationMs: 500, minCount: 20 });
    const direct = await measure(() => handle.query(getOrderQuery), {
      durationMs: 0,
      minCount: samples,
      maxCount: samples,
    });

    const run = async (type: string, label: string, count: number, id = randomUUID()) =>
      callerClient.workflow.execute(type, {
        taskQueue,
        workflowId: `${label}-${id}`,
        args: [
          {
            connector: cross.connector.name,
            iface: 'get-order',
            workflowId: orderId,
            count,
            label,
          } satisfies BenchInput,
        ],
      });
    await run('benchLocalActivityQueriesWorkflow', 'warm-la', 20);
    await run('benchNexusQueriesWorkflow', 'warm-nexus', 20);
    const seqStart = performance.now();
    await run('benchLocalActivityQueriesWorkflow', 'local-activity', samples);
    const local = summarize(durations.get('local-activity') ?? [], seqStart);
    const nexusStart = performance.now();
    await run('benchNexusQueriesWorkflow', 'nexus', samples);
    const nexus = summarize(durations.get('nexus') ?? [], nexusStart);

    const throughput = async (type: string, label: string): Promise<LatencySummary & { wallMs: number }> => {
      const started = performance.now();
      await Promise.all(Array.from({ length: concurrency }, () => run(type, label, perWorkflow)));
      const wallMs = performance.now() - started;
      const summary = summarize(durations.get(label) ?? [], started);
      return { ...summary, wallMs };
    };
    const nexusParallel = await throughput('benchNexusQueriesWorkflow', 'nexus-parallel');
    const localParallel = await throughput('benchLocalActivityQueriesWorkflow', 'la-parallel');

    const lines = [
      '',
      `Nexus benchmark (${samples} sequential queries each; Temporal dev server, ${database.kind}, one machine)`,
      formatRow('direct client query', direct),
      formatRow('caller workflow → local activity → query', local),
      formatRow('caller workflow → Nexus → handler → query', nexus),
      `p50 ratios: Nexus/direct ${ratio(nexus.p50Ms, direct.p50Ms)}, local activity/direct ${ratio(local.p50Ms, direct.p50Ms)}, Nexus/local activity ${ratio(nexus.p50Ms, local.p50Ms)}`,
      `p99 ratios: Nexus/direct ${ratio(nexus.p99Ms, direct.p99Ms)}, local activity/direct ${ratio(local.p99Ms, direct.p99Ms)}, Nexus/local activity ${ratio(nexus.p99Ms, local.p99Ms)}`,
      '',
      `Throughput: ${concurrency} concurrent caller workflows × ${perWorkflow} queries`,
      formatRow('Nexus', nexusParallel),
      formatRow('local activity', localParallel),
      `Nexus ${((nexusParallel.count / nexusParallel.wallMs) * 1000).toFixed(0)} queries/s vs local activity ${((localParallel.count / localParallel.wallMs) * 1000).toFixed(0)} queries/s (wall clock)`,
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await fleet.shutdown();
    await connection.close();
    await app.close();
    await database.close();
    await server.stop();
  }
}

void main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
