import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { isJsonObject, type JsonObject } from '../kong-types.js';
import { loadDeclarativeConfig } from './stand-in-declarative.js';
import { cannotParseJson, type KongErrorReply, methodNotAllowed, notFound, unexpected } from './stand-in-errors.js';
import { FaultControls } from './stand-in-faults.js';
import { handleEntities } from './stand-in-routes.js';
import { type Collection, StandInStore } from './stand-in-store.js';

const collections: Collection[] = ['services', 'routes', 'plugins'];

/**
 * A Kong 3.9 Admin API stand-in for tests (a real Kong needs Docker/OpenResty, which test
 * machines lack): node:http, in memory, DB or DB-less mode, an optional base path (Konnect
 * style) and required auth headers, and faults a test can plan (see FaultControls).
 */
export interface StandInOptions {
  port?: number;
  host?: string;
  dbless?: boolean;
  /** Serve under this prefix only, e.g. `/v2/control-planes/<id>/core-entities`. */
  basePath?: string;
  /** Header (lowercase) → value every request must carry, else 401 as Kong Enterprise RBAC answers. */
  requiredHeaders?: Record<string, string>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export const emptyHash = '0'.repeat(32);

export class KongStandIn {
  readonly faults = new FaultControls();
  readonly store = new StandInStore(undefined, this.faults.refusals);
  readonly requests: RecordedRequest[] = [];
  /** DB-less: md5 of the loaded config; all zeros until one is loaded (or after `restart`). */
  configurationHash = emptyHash;
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  private boundPort = 0;

  constructor(readonly options: StandInOptions = {}) {}

  get dbless(): boolean {
    return this.options.dbless === true;
  }

  get port(): number {
    return this.boundPort;
  }

  /** The Admin API root to give a client, base path included. */
  get url(): string {
    return `http://${this.options.host ?? '127.0.0.1'}:${this.boundPort}${this.options.basePath ?? ''}`;
  }

  async start(): Promise<this> {
    const server = createServer((request, response) => {
      this.handle(request, response).catch(() => {
        if (!response.headersSent) this.send(response, unexpected);
      });
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.listen(this.boundPort || this.options.port || 0, this.options.host ?? '127.0.0.1');
    await once(server, 'listening');
    this.boundPort = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Stops listening on the port (connections are refused) until `comeUp()`. */
  async goDown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async comeUp(): Promise<void> {
    if (!this.server) await this.start();
  }

  /** Kong restarted: DB-less forgets its configuration, DB mode keeps its database. */
  restart(): void {
    if (!this.dbless) return;
    this.store.clear();
    this.configurationHash = emptyHash;
  }

  close(): Promise<void> {
    return this.goDown();
  }

  private send(response: ServerResponse, reply: KongErrorReply, headers: Record<string, string> = {}): void {
    const body = reply.status === 204 ? '' : JSON.stringify(reply.body);
    response.writeHead(reply.status, {
      ...headers,
      ...(body ? { 'content-type': 'application/json; charset=utf-8' } : {}),
      server: 'kong/3.9.1',
    });
    response.end(body);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(request.url ?? '/', 'http://stand-in');
    this.requests.push({
      method: request.method ?? 'GET',
      path: url.pathname,
      query: url.search,
      headers: request.headers,
      body: text,
    });
    if (this.faults.delayMs > 0) await delay(this.faults.delayMs);
    const fault = this.faults.next({ method: request.method ?? 'GET', path: url.pathname });
    if (fault?.kind === 'reset') {
      request.socket.destroy();
      return;
    }
    if (fault?.kind === 'status') return this.send(response, { status: fault.status, body: fault.body }, fault.headers);

    const basePath = this.options.basePath ?? '';
    if (!url.pathname.startsWith(`${basePath}/`) && url.pathname !== basePath) return this.send(response, notFound);
    for (const [header, value] of Object.entries(this.options.requiredHeaders ?? {})) {
      if (request.headers[header] !== value) {
        return this.send(response, {
          status: 401,
          body: { message: 'Invalid credentials. Token or User credentials required' },
        });
      }
    }
    let body: JsonObject = {};
    if (text.trim() !== '') {
      try {
        const parsed: unknown = JSON.parse(text);
        if (!isJsonObject(parsed)) return this.send(response, cannotParseJson);
        body = parsed;
      } catch {
        return this.send(response, cannotParseJson);
      }
    }
    const segments = url.pathname
      .slice(basePath.length)
      .split('/')
      .filter((segment) => segment !== '')
      .map((segment) => decodeURIComponent(segment));
    this.send(response, this.route(request.method ?? 'GET', segments, url.searchParams, body));
  }

  private route(method: string, segments: string[], query: URLSearchParams, body: JsonObject): KongErrorReply {
    const [first] = segments;
    if (first === undefined) {
      if (method !== 'GET') return methodNotAllowed;
      return { status: 200, body: { version: '3.9.1', configuration: { database: this.dbless ? 'off' : 'postgres' } } };
    }
    if (first === 'status' && segments.length === 1) return method === 'GET' ? this.status() : methodNotAllowed;
    if (first === 'config' && segments.length === 1) return this.config(method, query, body);
    return handleEntities(this.store, this.dbless, { method, segments, query, body });
  }

  private status(): KongErrorReply {
    const body: JsonObject = {
      database: { reachable: true },
      memory: { lua_shared_dicts: {}, workers_lua_vms: [] },
      server: {
        connections_accepted: this.requests.length,
        connections_active: this.sockets.size,
        total_requests: this.requests.length,
      },
    };
    if (this.dbless) body.configuration_hash = this.configurationHash;
    return { status: 200, body };
  }

  private config(method: string, query: URLSearchParams, body: JsonObject): KongErrorReply {
    if (!this.dbless) {
      return {
        status: 400,
        body: { message: 'this endpoint is only available when Kong is configured to not use a database' },
      };
    }
    if (method === 'GET') {
      const current = {
        _format_version: '3.0',
        ...Object.fromEntries(collections.map((name) => [name, this.store.list(name)])),
      };
      return { status: 200, body: { config: JSON.stringify(current) } };
    }
    if (method !== 'POST') return methodNotAllowed;
    const flatten = ['1', 'true'].includes(query.get('flatten_errors') ?? '');
    const result = loadDeclarativeConfig(this.store, body, flatten);
    if (result.hash) this.configurationHash = result.hash;
    return result.reply;
  }
}

export async function startKongStandIn(options: StandInOptions = {}): Promise<KongStandIn> {
  return new KongStandIn(options).start();
}
