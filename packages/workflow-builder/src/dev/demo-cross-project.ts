import type { App } from '../app.js';
import type { AuthUser } from '../auth/jwt.js';
import { withUserTransaction } from '../db/tx.js';

/**
 * The dev demo's second project: `demo-caller` (its own namespace) with an approved project
 * connector `orders` to the `demo` project's orders service, and the command that runs the
 * example caller workflow (crossProjectOrderWorkflow) there: it opens, fills and reads an
 * order of `demo` through Nexus. Idempotent; the seeding user is admin of both projects,
 * so the connector is approved at once.
 */
export interface CrossProjectDemo {
  project: { id: string; slug: string; namespace: string };
  connector: { id: string; name: string; endpoint: string | null; status: string };
  command: string;
}

export const crossProjectDemoDefaults = {
  projectSlug: 'demo-caller',
  connectorName: 'orders',
  interfaces: ['create-order', 'add-item', 'get-order', 'get-status'],
};

const quote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;

export async function seedCrossProjectDemo(options: {
  app: Pick<App, 'database' | 'services' | 'nexus'>;
  userId: string;
  /** The project the connector points at (the main demo's). */
  targetSlug: string;
  namespace: string;
  taskQueue: string;
  temporalAddress: string;
  temporalCli: string;
}): Promise<CrossProjectDemo> {
  const user: AuthUser = {
    id: options.userId,
    email: undefined,
    claims: { sub: options.userId, role: 'authenticated' },
  };
  const services = options.app.services;
  const seeded = await withUserTransaction(options.app.database.db, user.claims, async (tx) => {
    const projects = await services.projects.list(tx, user);
    const project =
      projects.find((candidate) => candidate.slug === crossProjectDemoDefaults.projectSlug) ??
      (await services.projects.create(tx, user, {
        slug: crossProjectDemoDefaults.projectSlug,
        name: 'Demo caller',
        temporalNamespace: options.namespace,
      }));
    const { outgoing } = await services.projectConnectors.list(tx, user, {
      projectId: project.id,
      direction: 'outgoing',
    });
    const connector =
      outgoing.find(
        (candidate) => candidate.name === crossProjectDemoDefaults.connectorName && candidate.state === 'active',
      ) ??
      (await services.projectConnectors.create(tx, user, {
        projectId: project.id,
        name: crossProjectDemoDefaults.connectorName,
        description: 'The demo project’s orders, called through Nexus',
        target: {
          projectSlug: options.targetSlug,
          serviceName: 'orders',
          interfaces: crossProjectDemoDefaults.interfaces,
        },
      }));
    return { project, connectorId: connector.id };
  });
  // Provision the endpoint now, so the printed command works at once.
  await options.app.nexus?.runNow();
  const connector = await withUserTransaction(options.app.database.db, user.claims, (tx) =>
    services.projectConnectors.get(tx, user, seeded.connectorId),
  );
  const input = JSON.stringify({ connector: connector.name, orderId: 'cross-project-1', customer: 'grace' });
  const command = [
    quote(options.temporalCli),
    'workflow execute',
    `--address ${options.temporalAddress}`,
    `--namespace ${quote(seeded.project.temporal_namespace)}`,
    `--task-queue ${quote(options.taskQueue)}`,
    '--type crossProjectOrderWorkflow',
    `--input ${quote(input)}`,
  ].join(' ');
  return {
    project: { id: seeded.project.id, slug: seeded.project.slug, namespace: seeded.project.temporal_namespace },
    connector: {
      id: connector.id,
      name: connector.name,
      endpoint: connector.endpoint.name,
      status: connector.endpoint.status,
    },
    command,
  };
}
