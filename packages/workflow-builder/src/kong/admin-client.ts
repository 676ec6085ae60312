import { KongAdminError } from './admin-errors.js';
import { createKongTransport, type KongTransport, type KongTransportOptions } from './admin-transport.js';
import {
  isJsonObject,
  isKongEntity,
  type JsonObject,
  type KongEntity,
  type LiveKongState,
  managedTag,
} from './kong-types.js';

/**
 * Typed Kong Admin API client (undici, no SDK): services, routes and plugins by id or name,
 * lists by tag across pages, DB-less `/config` and `/status`. Works against a Konnect control
 * plane too: give the core-entities URL as `baseUrl` and a `bearerToken`.
 */
export type KongCollection = 'services' | 'routes' | 'plugins';

export interface KongListOptions {
  tags?: readonly string[];
  /** `all` → `?tags=a,b` (AND), `any` → `?tags=a/b` (OR); Kong takes at most 5 tags. */
  tagsMatch?: 'all' | 'any';
  /** Page size, 1–1000 (Kong's default is 100). */
  size?: number;
  signal?: AbortSignal;
}

export interface KongPage {
  data: KongEntity[];
  /** Opaque cursor of the next page; null on the last page. */
  offset: string | null;
}

export interface KongEntityApi {
  get(idOrName: string, signal?: AbortSignal): Promise<KongEntity | undefined>;
  /** Create-or-replace: Kong answers 200 either way and resets omitted fields to defaults. */
  put(idOrName: string, body: JsonObject, signal?: AbortSignal): Promise<KongEntity>;
  /** Kong answers 204 whether or not the entity existed. */
  delete(idOrName: string, signal?: AbortSignal): Promise<void>;
  page(options?: KongListOptions & { offset?: string }): Promise<KongPage>;
  /** Every page, following `offset` until Kong returns none. */
  list(options?: KongListOptions): Promise<KongEntity[]>;
}

export interface KongStatus {
  /** Present in DB-less mode; all zeros when Kong has no configuration loaded. */
  configurationHash: string | undefined;
  databaseReachable: boolean | undefined;
  body: JsonObject;
}

export interface KongAdminClient {
  services: KongEntityApi;
  routes: KongEntityApi;
  plugins: KongEntityApi;
  /** DB-less: replace the whole configuration. Invalid → KongAdminError code 14 (+ flattenedErrors). */
  postConfig(config: JsonObject, options?: { flattenErrors?: boolean; signal?: AbortSignal }): Promise<JsonObject>;
  status(signal?: AbortSignal): Promise<KongStatus>;
}

export const emptyConfigurationHash = '0'.repeat(32);
export const maxPageSize = 1000;

function encodeKey(idOrName: string): string {
  if (idOrName === '') throw new Error('an id or name is required');
  return encodeURIComponent(idOrName);
}

function entityOf(body: unknown, what: string): KongEntity {
  if (!isKongEntity(body)) throw new Error(`Kong returned no entity for ${what}`);
  return body;
}

/** Kong's `next` is relative to its own root and would drop a base-path prefix, so `offset` is followed. */
export async function collectPages<T>(
  fetchPage: (offset: string | undefined) => Promise<{ data: T[]; offset: string | null }>,
) {
  const items: T[] = [];
  let offset: string | undefined;
  for (;;) {
    const page = await fetchPage(offset);
    items.push(...page.data);
    if (page.offset === null || page.offset === '') return items;
    if (page.offset === offset) throw new Error('Kong returned the same page offset twice');
    offset = page.offset;
  }
}

function entityApi(send: KongTransport, collection: KongCollection): KongEntityApi {
  const path = (idOrName: string) => `/${collection}/${encodeKey(idOrName)}`;
  const api: KongEntityApi = {
    async get(idOrName, signal) {
      try {
        const response = await send({ method: 'GET', path: path(idOrName), signal });
        return entityOf(response.body, `GET ${collection}`);
      } catch (error) {
        if (error instanceof KongAdminError && error.status === 404) return undefined;
        throw error;
      }
    },
    async put(idOrName, body, signal) {
      const response = await send({ method: 'PUT', path: path(idOrName), body, signal });
      return entityOf(response.body, `PUT ${collection}`);
    },
    async delete(idOrName, signal) {
      await send({ method: 'DELETE', path: path(idOrName), signal });
    },
    async page(options = {}) {
      const tags =
        options.tags && options.tags.length > 0
          ? options.tags.join(options.tagsMatch === 'any' ? '/' : ',')
          : undefined;
      const response = await send({
        method: 'GET',
        path: `/${collection}`,
        query: { size: options.size, offset: options.offset, tags },
        signal: options.signal,
      });
      const body = response.body;
      if (!isJsonObject(body) || !Array.isArray(body.data)) throw new Error(`Kong returned no list for ${collection}`);
      return {
        data: body.data.filter(isKongEntity),
        offset: typeof body.offset === 'string' ? body.offset : null,
      };
    },
    list(options = {}) {
      return collectPages((offset) => api.page({ ...options, offset }));
    },
  };
  return api;
}

export function createKongAdminClient(options: KongTransportOptions & { transport?: KongTransport }): KongAdminClient {
  const send = options.transport ?? createKongTransport(options);
  return {
    services: entityApi(send, 'services'),
    routes: entityApi(send, 'routes'),
    plugins: entityApi(send, 'plugins'),
    async postConfig(config, postOptions = {}) {
      const response = await send({
        method: 'POST',
        path: '/config',
        query: { flatten_errors: postOptions.flattenErrors === false ? undefined : 1 },
        body: config,
        signal: postOptions.signal,
      });
      return isJsonObject(response.body) ? response.body : {};
    },
    async status(signal) {
      const response = await send({ method: 'GET', path: '/status', signal });
      const body = isJsonObject(response.body) ? response.body : {};
      const database = isJsonObject(body.database) ? body.database : {};
      return {
        configurationHash: typeof body.configuration_hash === 'string' ? body.configuration_hash : undefined,
        databaseReachable: typeof database.reachable === 'boolean' ? database.reachable : undefined,
        body,
      };
    },
  };
}

/** Kong's live state as far as this backend is concerned: everything tagged `managed-by-wfb`. */
export async function readManagedState(client: KongAdminClient, signal?: AbortSignal): Promise<LiveKongState> {
  const options: KongListOptions = { tags: [managedTag], size: maxPageSize, signal };
  const services = await client.services.list(options);
  const routes = await client.routes.list(options);
  const plugins = await client.plugins.list(options);
  return { services, routes, plugins };
}
