import { parse as parseYaml } from 'yaml';
import { isJsonObject, type JsonObject, type JsonValue, type KongPlugin, type KongState } from './kong-types.js';
import { KongConfigError } from './translate.js';

/**
 * The body of DB-less Kong's `POST /config`: the desired state nested the way kong/kong.yml
 * is (services → routes → plugins), ids included, so a reload keeps every id (Kong's local
 * rate-limit counters are keyed by route id and survive only if the id does).
 *
 * Merging a base file (kong/kong.yml, parsed): what the base declares and we do not manage is
 * kept (consumers, certificates, other services…). Where the base declares a service or route
 * with one of our names, ours replaces it, nested children included — the base's catch-all
 * `wfb-gateway` service with its `/api/v1` route is what the per-interface routes supersede.
 */
export type DeclarativeConfig = JsonObject & { _format_version: '3.0' };

export const formatVersion = '3.0';

function pluginWithoutScope(plugin: KongPlugin): JsonObject {
  const { route: _route, service: _service, ...rest } = plugin;
  return rest;
}

function nameOf(value: JsonValue): string | undefined {
  return isJsonObject(value) && typeof value.name === 'string' ? value.name : undefined;
}

function entityList(base: JsonObject, key: string): JsonObject[] {
  const value = base[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every(isJsonObject)) {
    throw new KongConfigError(`base config: "${key}" must be a list of entities`);
  }
  return value as JsonObject[];
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string | undefined): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    if (key === undefined) continue;
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

/** Linear in the number of entities (grouped once), not routes × plugins: 10,000s of interfaces. */
export function nestedEntities(state: KongState): { services: JsonObject[]; plugins: JsonObject[] } {
  const routesByService = groupBy(state.routes, (route) => route.service.id);
  const pluginsByRoute = groupBy(state.plugins, (plugin) => plugin.route?.id);
  const pluginsByService = groupBy(state.plugins, (plugin) => plugin.service?.id);
  const services = state.services.map((service) => {
    const routes = (routesByService.get(service.id) ?? []).map((route) => {
      const { service: _service, ...rest } = route;
      const plugins = (pluginsByRoute.get(route.id) ?? []).map(pluginWithoutScope);
      return plugins.length > 0 ? { ...rest, plugins } : rest;
    });
    const plugins = (pluginsByService.get(service.id) ?? []).map(pluginWithoutScope);
    return { ...service, routes, plugins };
  });
  const plugins = state.plugins.filter((plugin) => !plugin.route && !plugin.service).map(pluginWithoutScope);
  return { services, plugins };
}

export function buildDeclarativeConfig(state: KongState, base?: JsonObject): DeclarativeConfig {
  const version = base?._format_version;
  if (version !== undefined && version !== formatVersion) {
    throw new KongConfigError(`base config has _format_version ${String(version)}; only ${formatVersion} is supported`);
  }
  const ours = nestedEntities(state);
  const ourServices = new Set(state.services.map((service) => service.name));
  const ourRoutes = new Set(state.routes.map((route) => route.name));
  const config: DeclarativeConfig = { _format_version: formatVersion };
  for (const [key, value] of Object.entries(base ?? {})) {
    if (key !== '_format_version') config[key] = value;
  }
  const baseServices = base ? entityList(base, 'services') : [];
  const baseRoutes = base ? entityList(base, 'routes') : [];
  const basePlugins = base ? entityList(base, 'plugins') : [];
  const keptServices = baseServices.filter((service) => !ourServices.has(nameOf(service) ?? ''));
  config.services = [...keptServices, ...ours.services];
  const keptRoutes = baseRoutes.filter((route) => !ourRoutes.has(nameOf(route) ?? ''));
  if (keptRoutes.length > 0) config.routes = keptRoutes;
  else delete config.routes;
  const plugins = [...basePlugins, ...ours.plugins];
  if (plugins.length > 0) config.plugins = plugins;
  else delete config.plugins;
  return config;
}

/** Parses a base declarative file (YAML or JSON, e.g. kong/kong.yml) into the object `buildDeclarativeConfig` merges. */
export function parseBaseConfig(text: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new KongConfigError(`base config is not YAML: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!isJsonObject(parsed)) throw new KongConfigError('base config must be a mapping at the top level');
  return parsed;
}
