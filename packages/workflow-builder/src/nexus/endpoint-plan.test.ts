import { nexusEndpointName } from '@wfb/core/nexus/endpoint-name.js';
import { describe, expect, it } from 'vitest';
import {
  type ActualEndpoint,
  type ControllerRow,
  desiredState,
  endpointMarker,
  planEndpoints,
} from './endpoint-plan.js';

const day = 24 * 3600 * 1000;
const now = Date.parse('2026-12-01T12:00:00Z');
const options = { scope: 'test', taskQueue: 'wfb-nexus', retentionMs: 7 * day, now };

function row(overrides: Partial<ControllerRow> = {}): ControllerRow {
  return {
    id: 'c1',
    name: 'billing',
    projectId: 'p-src',
    sourceNamespace: 'ns-src',
    targetProjectId: 'p-tgt',
    targetNamespace: 'ns-tgt',
    approvedAt: new Date(now - day),
    revokedAt: null,
    deletedAt: null,
    tombstonedAt: null,
    endpointName: null,
    endpointId: null,
    createdAt: new Date(now - 2 * day),
    ...overrides,
  };
}

const name = nexusEndpointName('ns-src', 'billing');

describe('desiredState', () => {
  it('wants an endpoint per active connector, targeting the target namespace on the Nexus queue', () => {
    const desired = desiredState([row()], options);
    expect(desired.endpoints.get(name)).toEqual({
      connectorId: 'c1',
      spec: {
        name,
        namespace: 'ns-tgt',
        taskQueue: 'wfb-nexus',
        description: {
          managedBy: endpointMarker,
          scope: 'test',
          connectorId: 'c1',
          sourceProjectId: 'p-src',
          targetProjectId: 'p-tgt',
          state: 'active',
        },
      },
    });
  });

  it('wants nothing for a pending request', () => {
    const desired = desiredState([row({ approvedAt: null, targetProjectId: null, targetNamespace: null })], options);
    expect(desired.endpoints.size).toBe(0);
    expect(desired.names.get('c1')).toBe(name);
  });

  it('keeps a provisioned, revoked connector as a tombstone until its retention ends', () => {
    const revoked = row({ revokedAt: new Date(now - day), tombstonedAt: new Date(now - day), endpointId: 'ep' });
    expect(desiredState([revoked], options).endpoints.get(name)?.spec).toMatchObject({
      namespace: 'ns-tgt',
      description: { state: 'tombstone' },
    });
    const expired = { ...revoked, tombstonedAt: new Date(now - 8 * day) };
    expect(desiredState([expired], options).endpoints.size).toBe(0);
    const neverProvisioned = { ...revoked, endpointId: null };
    expect(desiredState([neverProvisioned], options).endpoints.size).toBe(0);
  });

  it('points the tombstone of a deleted target project at the source namespace', () => {
    const orphaned = row({
      targetProjectId: null,
      targetNamespace: null,
      tombstonedAt: new Date(now),
      endpointId: 'ep',
    });
    expect(desiredState([orphaned], options).endpoints.get(name)?.spec).toMatchObject({
      namespace: 'ns-src',
      description: { state: 'tombstone', targetProjectId: null },
    });
  });

  it('purges deleted connectors once they need no endpoint, and tombstones a live connector supersedes', () => {
    const expired = row({ id: 'old', deletedAt: new Date(now - 9 * day), tombstonedAt: new Date(now - 9 * day) });
    expect(desiredState([expired], options).purge).toEqual(['old']);
    const tombstone = row({
      id: 'tomb',
      deletedAt: new Date(now - day),
      tombstonedAt: new Date(now - day),
      endpointId: 'ep',
    });
    const successor = row({ id: 'new', createdAt: new Date(now - 1000) });
    const desired = desiredState([tombstone, successor], options);
    expect(desired.endpoints.get(name)?.connectorId).toBe('new');
    expect(desired.purge).toEqual(['tomb']);
  });
});

describe('planEndpoints', () => {
  const ours = (overrides: Partial<ActualEndpoint> = {}): ActualEndpoint => ({
    id: 'ep1',
    version: 3,
    versionText: '3',
    name,
    namespace: 'ns-tgt',
    taskQueue: 'wfb-nexus',
    description: {
      managedBy: endpointMarker,
      scope: 'test',
      connectorId: 'c1',
      sourceProjectId: 'p-src',
      targetProjectId: 'p-tgt',
      state: 'active',
    },
    ...overrides,
  });

  it('creates what is missing, leaves what matches, updates what drifted', () => {
    const desired = desiredState([row()], options);
    expect(planEndpoints(desired, [], 'test').actions.map((action) => action.kind)).toEqual(['create']);
    expect(planEndpoints(desired, [ours()], 'test')).toMatchObject({ actions: [], inSync: new Map([['c1', ours()]]) });
    const drifted = planEndpoints(desired, [ours({ namespace: 'elsewhere' })], 'test');
    expect(drifted.actions).toMatchObject([{ kind: 'update', connectorId: 'c1', current: { id: 'ep1', version: 3 } }]);
  });

  it('adopts an endpoint of ours left by another connector id, and deletes ours nobody wants', () => {
    const desired = desiredState([row()], options);
    const previous = ours().description as NonNullable<ActualEndpoint['description']>;
    const adopted = planEndpoints(desired, [ours({ description: { ...previous, connectorId: 'x' } })], 'test');
    expect(adopted.actions.map((action) => action.kind)).toEqual(['update']);
    const orphan = ours({ id: 'ep9', name: 'wfb-orphan-1' });
    expect(planEndpoints(desired, [ours(), orphan], 'test').actions).toMatchObject([
      { kind: 'delete', current: { id: 'ep9' } },
    ]);
  });

  it('never touches an endpoint that is not ours, even one holding a wanted name', () => {
    const desired = desiredState([row()], options);
    const foreign = ours({ description: undefined });
    const other = ours({ id: 'ep7', name: 'someone-elses', description: undefined });
    const plan = planEndpoints(desired, [foreign, other], 'test');
    expect(plan.actions).toEqual([]);
    expect(plan.conflicts.get('c1')).toContain('not managed by this control plane');
  });
});
