/**
 * Kong entities as this backend sends them (Kong 3.9 Admin API field names). Desired entities
 * are complete for every field we rely on, because a PUT resets omitted fields to defaults.
 * They are type aliases, not interfaces, so they stay assignable to `JsonObject`.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export type KongKind = 'service' | 'route' | 'plugin';

export type KongReference = { id: string };

export type KongService = {
  id: string;
  name: string;
  protocol: 'http' | 'https';
  host: string;
  port: number;
  path: string | null;
  retries: number;
  connect_timeout: number;
  write_timeout: number;
  read_timeout: number;
  enabled: boolean;
  tags: string[];
};

export type KongRoute = {
  id: string;
  name: string;
  protocols: string[];
  methods: string[];
  paths: string[];
  strip_path: boolean;
  preserve_host: boolean;
  regex_priority: number;
  path_handling: 'v0' | 'v1';
  https_redirect_status_code: number;
  request_buffering: boolean;
  response_buffering: boolean;
  service: KongReference;
  tags: string[];
};

export type KongPlugin = {
  id: string;
  name: string;
  enabled: boolean;
  protocols: string[];
  config: JsonObject;
  route: KongReference | null;
  service: KongReference | null;
  tags: string[];
};

/** What Kong should hold for this backend: exactly the entities tagged `managed-by-wfb`. */
export interface KongState {
  services: KongService[];
  routes: KongRoute[];
  plugins: KongPlugin[];
}

/** A live entity as Kong returns it: an id plus whatever fields this Kong version has. */
export type KongEntity = JsonObject & { id: string };

export interface LiveKongState {
  services: KongEntity[];
  routes: KongEntity[];
  plugins: KongEntity[];
}

/** Every entity this backend manages carries this tag; nothing without it is ever changed. */
export const managedTag = 'managed-by-wfb';
export const serviceName = 'wfb-gateway';

export function projectTag(projectId: string): string {
  return `wfb-project-${projectId}`;
}

const interfacePrefix = 'wfb-interface-';

/** Route name and tag of one public interface; the tag also marks that interface's plugins. */
export function interfaceName(publicInterfaceId: string): string {
  return `${interfacePrefix}${publicInterfaceId}`;
}

/** The public interface an entity belongs to, read from its tags, else from a route name. */
export function interfaceIdOf(tags: readonly string[] | undefined, name?: string): string | null {
  const tag = tags?.find((candidate) => candidate.startsWith(interfacePrefix));
  if (tag) return tag.slice(interfacePrefix.length);
  if (name?.startsWith(interfacePrefix)) return name.slice(interfacePrefix.length);
  return null;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isKongEntity(value: unknown): value is KongEntity {
  return isJsonObject(value) && typeof value.id === 'string';
}

export function stringArray(value: JsonValue | undefined): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.every((item) => typeof item === 'string') ? (value as string[]) : undefined;
}
