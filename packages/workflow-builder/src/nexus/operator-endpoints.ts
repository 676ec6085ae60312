import type { Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { type ActualEndpoint, type EndpointDescription, type EndpointSpec, endpointMarker } from './endpoint-plan.js';

/**
 * The Nexus endpoints of a Temporal cluster through the operator service, every call under a
 * deadline. The controller depends on this interface only, so its unit tests use a fake;
 * end-to-end tests and production use `createOperatorEndpoints` on the process's connection.
 */
export interface EndpointApi {
  list(): Promise<ActualEndpoint[]>;
  create(spec: EndpointSpec): Promise<ActualEndpoint>;
  update(current: ActualEndpoint, spec: EndpointSpec): Promise<ActualEndpoint>;
  delete(current: ActualEndpoint): Promise<void>;
}

type OperatorService = Connection['operatorService'];
type RawEndpoint = NonNullable<Awaited<ReturnType<OperatorService['getNexusEndpoint']>>['endpoint']>;
type RawSpec = NonNullable<Parameters<OperatorService['createNexusEndpoint']>[0]['spec']>;

const callDeadlineMs = 5_000;
const pageSize = 1_000;

/**
 * The description is a JSON document in a string payload: the Web UI shows descriptions as
 * text, and the marker in it is what makes an endpoint ours.
 */
export function encodeDescription(description: EndpointDescription): RawSpec['description'] {
  return defaultPayloadConverter.toPayload(JSON.stringify(description));
}

export function decodeDescription(payload: RawSpec['description']): EndpointDescription | undefined {
  if (!payload?.data) return undefined;
  try {
    const value: unknown = defaultPayloadConverter.fromPayload(payload);
    const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const candidate = parsed as Partial<EndpointDescription>;
    if (candidate.managedBy !== endpointMarker || typeof candidate.connectorId !== 'string') return undefined;
    return {
      managedBy: endpointMarker,
      scope: typeof candidate.scope === 'string' ? candidate.scope : '',
      connectorId: candidate.connectorId,
      sourceProjectId: String(candidate.sourceProjectId ?? ''),
      targetProjectId: typeof candidate.targetProjectId === 'string' ? candidate.targetProjectId : null,
      state: candidate.state === 'tombstone' ? 'tombstone' : 'active',
    };
  } catch {
    return undefined;
  }
}

function toSpec(spec: EndpointSpec): RawSpec {
  return {
    name: spec.name,
    description: encodeDescription(spec.description),
    target: { worker: { namespace: spec.namespace, taskQueue: spec.taskQueue } },
  };
}

function toActual(raw: RawEndpoint): ActualEndpoint {
  const worker = raw.spec?.target?.worker;
  return {
    id: raw.id ?? '',
    version: raw.version,
    versionText: String(raw.version ?? ''),
    name: raw.spec?.name ?? '',
    namespace: worker?.namespace ?? undefined,
    taskQueue: worker?.taskQueue ?? undefined,
    description: decodeDescription(raw.spec?.description),
  };
}

export function createOperatorEndpoints(connection: () => Promise<Connection>): EndpointApi {
  async function call<T>(work: (service: OperatorService) => Promise<T>): Promise<T> {
    const conn = await connection();
    return conn.withDeadline(Date.now() + callDeadlineMs, () => work(conn.operatorService));
  }

  return {
    async list() {
      const endpoints: ActualEndpoint[] = [];
      let nextPageToken: Uint8Array | undefined;
      do {
        const page = await call((service) =>
          service.listNexusEndpoints({ pageSize, ...(nextPageToken && { nextPageToken }) }),
        );
        for (const raw of page.endpoints ?? []) endpoints.push(toActual(raw));
        nextPageToken = page.nextPageToken && page.nextPageToken.length > 0 ? page.nextPageToken : undefined;
      } while (nextPageToken);
      return endpoints;
    },
    async create(spec) {
      const created = await call((service) => service.createNexusEndpoint({ spec: toSpec(spec) }));
      if (!created.endpoint) throw new Error('createNexusEndpoint returned no endpoint');
      return toActual(created.endpoint);
    },
    async update(current, spec) {
      const updated = await call((service) =>
        service.updateNexusEndpoint({
          id: current.id,
          version: current.version as RawEndpoint['version'],
          spec: toSpec(spec),
        }),
      );
      if (!updated.endpoint) throw new Error('updateNexusEndpoint returned no endpoint');
      return toActual(updated.endpoint);
    },
    async delete(current) {
      await call((service) =>
        service.deleteNexusEndpoint({ id: current.id, version: current.version as RawEndpoint['version'] }),
      );
    },
  };
}
