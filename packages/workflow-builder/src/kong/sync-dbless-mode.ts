import { createHash } from 'node:crypto';
import { emptyConfigurationHash, type KongAdminClient } from './admin-client.js';
import { KongAdminError, kongErrorCodes } from './admin-errors.js';
import { buildDeclarativeConfig } from './declarative-config.js';
import { attributeFlattenedErrors, describeFlattenedError } from './flattened-errors.js';
import { interfaceIdOf, type JsonObject, type KongKind, type KongState, stringArray } from './kong-types.js';
import { canonicalJson } from './normalize.js';
import { emptyResult, type ModeSyncResult, type SyncedIds } from './sync-results.js';

/**
 * DB-less mode: Kong takes one whole declarative configuration at a time. Each pass builds
 * it (the desired state merged with the base file, kong/kong.yml) and POSTs it to
 * `/config?flatten_errors=1`. Kong refuses an invalid configuration as a whole, listing every
 * invalid entity; those belonging to a public interface are mapped back to it, and the
 * configuration is pushed again without them, so one bad interface never blocks the rest.
 * An invalid entity of no interface (the base file, the shared service) fails the pass.
 *
 * The push is skipped when the desired configuration is the one last pushed and Kong still
 * holds what that push loaded (its `/status` configuration hash). A Kong restarted empty
 * reports the all-zero hash; a configuration pushed by someone else reports another hash;
 * both get the desired one back (a drift repair). 429 + Retry-After (a previous
 * configuration still loading) is waited out by the transport.
 */
export interface DblessMemory {
  last:
    | {
        desiredHash: string;
        kongHash: string | undefined;
        refused: Map<string, string>;
        synced: Map<string, SyncedIds>;
      }
    | undefined;
}

export interface DblessInput {
  client: KongAdminClient;
  /** Builds the desired state of every enabled interface not in `excluded`. */
  translateWithout: (excluded: ReadonlySet<string>) => KongState;
  base: JsonObject | undefined;
  disabledIds: readonly string[];
  memory: DblessMemory;
  /** Pushes per pass: each one after the first leaves out the interfaces Kong refused. */
  maxPushes?: number;
  signal?: AbortSignal;
}

export class KongConfigRefused extends Error {
  override name = 'KongConfigRefused';
}

function hashOf(config: JsonObject): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex');
}

function syncedIdsOf(state: KongState): Map<string, SyncedIds> {
  const ids = new Map<string, SyncedIds>();
  for (const route of state.routes) {
    const owner = interfaceIdOf(route.tags, route.name);
    if (owner !== null) ids.set(owner, { routeId: route.id, pluginIds: [] });
  }
  for (const plugin of state.plugins) {
    const owner = interfaceIdOf(stringArray(plugin.tags));
    if (owner !== null) ids.get(owner)?.pluginIds.push(plugin.id);
  }
  return ids;
}

function settle(
  result: ModeSyncResult,
  synced: Map<string, SyncedIds>,
  refused: Map<string, string>,
  disabled: readonly string[],
) {
  for (const [id, ids] of synced) result.synced.set(id, ids);
  for (const [id, reason] of refused) result.refused.set(id, reason);
  for (const id of disabled) result.removed.add(id);
}

export async function syncDbless(input: DblessInput): Promise<ModeSyncResult> {
  const result = emptyResult();
  const excluded = new Set<string>();
  let state = input.translateWithout(excluded);
  const desiredHash = hashOf(buildDeclarativeConfig(state, input.base));
  const kongHash = (await input.client.status(input.signal)).configurationHash;
  const last = input.memory.last;
  const kongHolds = kongHash !== undefined && kongHash !== emptyConfigurationHash && kongHash === last?.kongHash;
  if (last && last.desiredHash === desiredHash && kongHolds) {
    settle(result, last.synced, last.refused, input.disabledIds);
    result.skipped = true;
    return result;
  }
  const drift = last !== undefined && last.desiredHash === desiredHash;

  const refused = new Map<string, string>();
  const maxPushes = input.maxPushes ?? 5;
  for (let push = 1; ; push += 1) {
    const config = buildDeclarativeConfig(state, input.base);
    const body = JSON.stringify(config);
    result.pushBytes = Buffer.byteLength(body);
    try {
      await input.client.postConfig(config, { flattenErrors: true, signal: input.signal });
      result.writes.push({ kind: 'config', action: 'push' });
      break;
    } catch (error) {
      if (!(error instanceof KongAdminError) || error.code !== kongErrorCodes.declarativeConfig) throw error;
      const { byInterface, unattributed } = attributeFlattenedErrors(error.flattenedErrors);
      for (const entry of error.flattenedErrors) {
        const kind: KongKind =
          entry.entity_type === 'route' || entry.entity_type === 'service' ? entry.entity_type : 'plugin';
        const owner = interfaceIdOf(entry.entity_tags, entry.entity_type === 'route' ? entry.entity_name : undefined);
        result.refusedEntities.push({ kind, reason: describeFlattenedError(entry), publicInterfaceId: owner });
      }
      if (unattributed.length > 0 || error.flattenedErrors.length === 0) {
        const reasons = unattributed.map(describeFlattenedError).join('; ') || error.kongMessage;
        throw new KongConfigRefused(`Kong refused the configuration outside any public interface: ${reasons}`);
      }
      const fresh = [...byInterface.keys()].filter((id) => !excluded.has(id));
      if (fresh.length === 0 || push >= maxPushes) {
        throw new KongConfigRefused(`Kong kept refusing the configuration after ${push} pushes`);
      }
      for (const [id, reasons] of byInterface) {
        excluded.add(id);
        refused.set(id, `Kong refused: ${reasons.join('; ')}`);
      }
      state = input.translateWithout(excluded);
    }
  }

  const synced = syncedIdsOf(state);
  const after = (await input.client.status(input.signal)).configurationHash;
  input.memory.last = { desiredHash, kongHash: after, refused, synced };
  settle(result, synced, refused, input.disabledIds);
  if (drift) result.driftRepairs = 1;
  return result;
}
