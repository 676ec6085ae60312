import { createChangeFeed, type ReloadScope } from '@wfb/core/db/change-feed.js';
import type { Database } from '@wfb/core/db/driver.js';
import type { HttpMethod } from '@wfb/core/db/schema.services.js';
import type { InputValidator, SchemaCompiler } from '@wfb/core/interfaces/json-schema.js';
import type { Logger } from '@wfb/core/logger.js';
import { listRouteRows, type RouteRow } from '../domain/public-interfaces/public-interfaces.store.js';
import { routeHashPattern } from '../domain/public-interfaces/route-hash.js';
import { type PathTemplate, parsePathTemplate } from '../domain/public-interfaces/route-path.js';

/**
 * Every public interface, in memory, keyed by route hash: the gateway resolves a call with a
 * map lookup. Kept current by a change feed on `wfb_routes`, whose payload is a project id:
 * a change reloads that project's routes, a timer and every LISTEN reconnect reload all. A hash not in memory is looked up once (a route created
 * a moment ago may not have been announced yet) and remembered as absent for a few seconds.
 */
export interface Route {
  id: string;
  projectId: string;
  projectSlug: string;
  namespace: string;
  routeHash: string;
  method: HttpMethod;
  template: PathTemplate;
  enabled: boolean;
  rateLimitPerMinute: number | null;
  type: RouteRow['type'];
  callableName: string | null;
  serviceName: string;
  workflowType: string;
  taskQueue: string;
  fixedWorkflowId: string | null;
  workflowIdParam: string | null;
  hasInputSchema: boolean;
  validate: InputValidator | undefined;
  /** Why the route cannot serve calls (a schema that no longer compiles); never expected. */
  broken: string | undefined;
  row: RouteRow;
}

export const routesChannel = 'wfb_routes';

export interface RouteTableOptions {
  database: Database;
  logger: Logger;
  schemas: SchemaCompiler;
  refreshIntervalMs?: number;
  missTtlMs?: number;
  clock?: () => number;
}

function toRoute(row: RouteRow, schemas: SchemaCompiler): Route {
  const parsed = parsePathTemplate(row.path);
  let validate: InputValidator | undefined;
  let broken = parsed.ok ? undefined : `stored path is invalid: ${parsed.reason}`;
  if (row.input_schema !== null && row.input_schema !== undefined) {
    try {
      validate = schemas.compile(row.input_schema, row.method === 'GET');
    } catch (error) {
      broken = `input schema does not compile: ${error instanceof Error ? error.message : 'unknown'}`;
    }
  }
  return {
    id: row.id,
    projectId: row.project_id,
    projectSlug: row.project_slug,
    namespace: row.temporal_namespace,
    routeHash: row.route_hash,
    method: row.method,
    template: parsed.ok ? parsed.template : { path: row.path, segments: [], params: [] },
    enabled: row.enabled,
    rateLimitPerMinute: row.rate_limit_per_minute,
    type: row.type,
    callableName: row.callable_name,
    serviceName: row.service_name,
    workflowType: row.workflow_type,
    taskQueue: row.task_queue,
    fixedWorkflowId: row.workflow_id_mode === 'fixed' ? row.fixed_workflow_id : null,
    workflowIdParam: row.workflow_id_mode === 'path_param' ? row.workflow_id_param : null,
    hasInputSchema: validate !== undefined,
    validate,
    broken,
    row,
  };
}

export function createRouteTable(options: RouteTableOptions) {
  const clock = options.clock ?? Date.now;
  const missTtlMs = options.missTtlMs ?? 5_000;
  let byHash = new Map<string, Route>();
  let byProject = new Map<string, Set<string>>();
  const misses = new Map<string, number>();
  const inFlight = new Map<string, Promise<Route | undefined>>();
  let generation = 0;

  function add(route: Route) {
    byHash.set(route.routeHash, route);
    const hashes = byProject.get(route.projectId) ?? new Set<string>();
    hashes.add(route.routeHash);
    byProject.set(route.projectId, hashes);
  }

  async function reloadProject(projectId: string) {
    const rows = await listRouteRows(options.database.db, { projectId });
    for (const hash of byProject.get(projectId) ?? []) byHash.delete(hash);
    byProject.delete(projectId);
    for (const row of rows) add(toRoute(row, options.schemas));
  }

  async function reloadAll() {
    const rows = await listRouteRows(options.database.db, {});
    const previous = { byHash, byProject };
    byHash = new Map();
    byProject = new Map();
    try {
      for (const row of rows) add(toRoute(row, options.schemas));
    } catch (error) {
      ({ byHash, byProject } = previous);
      throw error;
    }
  }

  const feed = createChangeFeed({
    database: options.database,
    channel: routesChannel,
    logger: options.logger,
    onChange() {
      generation += 1;
      misses.clear();
    },
    async reload(scope: ReloadScope) {
      if (scope.kind === 'all') await reloadAll();
      else for (const projectId of scope.keys) await reloadProject(projectId);
    },
    healIntervalMs: options.refreshIntervalMs ?? 60_000,
  });

  async function lookup(hash: string): Promise<Route | undefined> {
    const started = generation;
    const [row] = await listRouteRows(options.database.db, { routeHash: hash });
    if (!row) {
      if (feed.listening && started === generation) {
        if (misses.size >= 10_000) misses.clear();
        misses.set(hash, clock() + missTtlMs);
      }
      return undefined;
    }
    const route = toRoute(row, options.schemas);
    if (started === generation) add(route);
    return route;
  }

  return {
    start: () => feed.start(),
    stop: () => feed.stop(),

    /** The route for a hash if memory has it; never touches the database. */
    cached(hash: string): Route | undefined {
      return byHash.get(hash);
    },

    /** The route for a hash: memory first, then (once per hash and TTL) the database. */
    async resolve(hash: string): Promise<Route | undefined> {
      const known = byHash.get(hash);
      if (known) return known;
      if (!routeHashPattern.test(hash)) return undefined;
      const missUntil = misses.get(hash);
      if (missUntil !== undefined && missUntil > clock()) return undefined;
      const running = inFlight.get(hash);
      if (running) return running;
      const loading = lookup(hash).finally(() => inFlight.delete(hash));
      inFlight.set(hash, loading);
      return loading;
    },

    routesOfProject(projectId: string): Route[] {
      const routes: Route[] = [];
      for (const hash of byProject.get(projectId) ?? []) {
        const route = byHash.get(hash);
        if (route) routes.push(route);
      }
      return routes.sort((a, b) => a.row.created_at.getTime() - b.row.created_at.getTime() || a.id.localeCompare(b.id));
    },

    /** Resolves once every announced change has been loaded (tests, startup checks). */
    settled: () => feed.settled(),

    size: () => byHash.size,
  };
}

export type RouteTable = ReturnType<typeof createRouteTable>;
