import type { ActualEndpoint, EndpointSpec } from '../endpoint-plan.js';
import type { EndpointApi } from '../operator-endpoints.js';

/**
 * An in-memory operator service for the controller's unit tests: versions bump on every
 * change and must be handed back, as on the server; errors are gRPC-shaped (`code`,
 * `details`) so the controller classifies them as it would real ones. End-to-end tests use
 * the real dev server instead.
 */
export interface FakeEndpoints extends EndpointApi {
  endpoints: Map<string, ActualEndpoint>;
  /** Every call fails with this gRPC code while set (14: the cluster is unreachable). */
  failAll: number | undefined;
  /** Namespaces that exist; a target outside them is refused like the server does. */
  namespaces: Set<string>;
  calls: string[];
  /** Puts an endpoint there by hand (another system's, or one of ours after a restore). */
  plant(endpoint: Omit<ActualEndpoint, 'version' | 'versionText'>): void;
}

export function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details });
}

export function createFakeEndpoints(namespaces: Iterable<string>): FakeEndpoints {
  let nextId = 1;
  const fake: FakeEndpoints = {
    endpoints: new Map(),
    failAll: undefined,
    namespaces: new Set(namespaces),
    calls: [],
    plant(endpoint) {
      fake.endpoints.set(endpoint.id, { ...endpoint, version: 1, versionText: '1' });
    },
    async list() {
      check('list');
      return [...fake.endpoints.values()];
    },
    async create(spec) {
      check(`create ${spec.name}`);
      if ([...fake.endpoints.values()].some((endpoint) => endpoint.name === spec.name)) {
        throw grpcError(6, `endpoint ${spec.name} already exists`);
      }
      requireNamespace(spec);
      const endpoint = toEndpoint(`ep-${nextId++}`, 1, spec);
      fake.endpoints.set(endpoint.id, endpoint);
      return endpoint;
    },
    async update(current, spec) {
      check(`update ${spec.name}`);
      const stored = fake.endpoints.get(current.id);
      if (!stored) throw grpcError(5, 'endpoint not found');
      if (stored.version !== current.version) throw grpcError(9, 'data inconsistency: version mismatch');
      requireNamespace(spec);
      const endpoint = toEndpoint(current.id, Number(stored.version) + 1, spec);
      fake.endpoints.set(endpoint.id, endpoint);
      return endpoint;
    },
    async delete(current) {
      check(`delete ${current.name}`);
      const stored = fake.endpoints.get(current.id);
      if (!stored) throw grpcError(5, 'endpoint not found');
      if (stored.version !== current.version) throw grpcError(9, 'data inconsistency: version mismatch');
      fake.endpoints.delete(current.id);
    },
  };

  function check(call: string) {
    fake.calls.push(call);
    if (fake.failAll !== undefined) throw grpcError(fake.failAll, 'connection refused');
  }

  function requireNamespace(spec: EndpointSpec) {
    if (!fake.namespaces.has(spec.namespace)) {
      throw grpcError(9, `Namespace not found: "${spec.namespace}"`);
    }
  }

  return fake;
}

function toEndpoint(id: string, version: number, spec: EndpointSpec): ActualEndpoint {
  return {
    id,
    version,
    versionText: String(version),
    name: spec.name,
    namespace: spec.namespace,
    taskQueue: spec.taskQueue,
    description: spec.description,
  };
}
