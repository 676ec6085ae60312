import { createChangeFeed } from '@wfb/core/db/change-feed.js';
import type { Database } from '@wfb/core/db/driver.js';
import type { Logger } from '@wfb/core/logger.js';
import { LRUCache } from 'lru-cache';
import { hashApiKey, parseApiKey, pepperKey } from './api-key-format.js';
import { findKeyForVerification, recordKeysUsed } from './api-keys.store.js';

/** What the gateway knows about a key that verified. */
export interface VerifiedKey {
  id: string;
  projectId: string;
  projectSlug: string;
  temporalNamespace: string;
  name: string;
  publicInterfaceId: string | null;
  rateLimitPerMinute: number | null;
}

/** A discriminated outcome, not an exception: the caller branches on every case. */
export type KeyVerification =
  | { kind: 'valid'; key: VerifiedKey }
  | { kind: 'malformed' }
  | { kind: 'unknown' }
  | { kind: 'revoked' }
  | { kind: 'expired' };

interface CachedKey {
  key: VerifiedKey;
  expiresAt: number | null;
  revoked: boolean;
}

/** `null` is "no such key"; inserts notify too, so a cached miss never shadows a new key. */
type CacheEntry = CachedKey | null;

/**
 * Misses live apart from real keys, few and briefly: anyone can mint well-formed keys (the
 * checksum is public), and a flood of them must not evict the warm keys of real callers.
 */
const negativeCacheSize = 10_000;
const negativeTtlMs = 30_000;

export const apiKeyChannel = 'wfb_api_keys';

export interface KeyVerifierOptions {
  database: Database;
  pepper: string;
  environment: string;
  logger: Logger;
  cacheSize?: number;
  /** Oldest verdict served from memory; bounds a revocation's delay even if a notification were lost. */
  cacheTtlMs?: number;
  clock?: () => number;
  lastUsedFlushMs?: number;
}

/**
 * Verifies keys with no database round trip when warm. Correctness rests on the
 * `wfb_api_keys` NOTIFY trigger: every change to a key evicts it on every instance
 * before the change's transaction is visible to new lookups. A lookup racing with an
 * eviction is not cached (generation check), and while the LISTEN connection is down the
 * cache is bypassed rather than trusted. "Down" includes stalled: the driver proves the
 * connection alive with a heartbeat (1 s, 2 s deadline by default), so a frozen backend or a
 * silently dropped socket stops the cache within about 3 s. Every cached verdict is also at
 * most `cacheTtlMs` old, whatever happens to notifications.
 */
export function createKeyVerifier(options: KeyVerifierOptions) {
  const clock = options.clock ?? Date.now;
  const cacheTtlMs = options.cacheTtlMs ?? 30_000;
  const pepper = pepperKey(options.pepper);
  const inFlight = new Map<string, Promise<CacheEntry>>();
  const usage = new Map<string, Date>();
  const hashById = new Map<string, string>();
  let generation = 0;
  let flushTimer: NodeJS.Timeout | undefined;

  function evict(keyHash: string) {
    generation += 1;
    cache.delete(keyHash);
    misses.delete(keyHash);
  }

  const cache = new LRUCache<string, { entry: CachedKey; loadedAt: number }>({
    max: options.cacheSize ?? 100_000,
    dispose: ({ entry }) => {
      hashById.delete(entry.key.id);
    },
  });
  /** Key hash → when the cached miss expires (by `clock`). */
  const misses = new LRUCache<string, number>({ max: negativeCacheSize });

  async function load(keyHash: string): Promise<CacheEntry> {
    const started = generation;
    const row = await findKeyForVerification(options.database.db, keyHash);
    const entry: CacheEntry = row
      ? {
          key: {
            id: row.id,
            projectId: row.project_id,
            projectSlug: row.project_slug,
            temporalNamespace: row.temporal_namespace,
            name: row.name,
            publicInterfaceId: row.public_interface_id,
            rateLimitPerMinute: row.rate_limit_per_minute,
          },
          expiresAt: row.expires_at ? row.expires_at.getTime() : null,
          revoked: row.revoked_at !== null,
        }
      : null;
    if (feed.listening && started === generation) {
      if (entry) {
        cache.set(keyHash, { entry, loadedAt: clock() });
        hashById.set(entry.key.id, keyHash);
      } else {
        misses.set(keyHash, clock() + negativeTtlMs);
      }
    }
    return entry;
  }

  async function lookup(keyHash: string): Promise<CacheEntry> {
    const cached = cache.get(keyHash);
    if (cached && clock() - cached.loadedAt < cacheTtlMs) return cached.entry;
    const missUntil = misses.get(keyHash);
    if (missUntil !== undefined && missUntil > clock()) return null;
    const pending = inFlight.get(keyHash);
    if (pending) return pending;
    const loading = load(keyHash).finally(() => inFlight.delete(keyHash));
    inFlight.set(keyHash, loading);
    return loading;
  }

  async function flushUsage() {
    if (usage.size === 0) return;
    const batch = new Map(usage);
    usage.clear();
    try {
      await recordKeysUsed(options.database.db, batch);
    } catch (error) {
      options.logger.warn({ err: error, keys: batch.size }, 'could not record api key usage; will retry');
      for (const [id, at] of batch) if (!usage.has(id)) usage.set(id, at);
    }
  }

  // Eviction only: a changed key is loaded again on its next use, never eagerly.
  const feed = createChangeFeed({
    database: options.database,
    channel: apiKeyChannel,
    logger: options.logger,
    onChange(keyHash) {
      if (keyHash !== undefined) return evict(keyHash);
      generation += 1;
      cache.clear();
      misses.clear();
    },
  });

  return {
    async start() {
      await feed.start();
      flushTimer = setInterval(() => void flushUsage(), options.lastUsedFlushMs ?? 5_000);
      flushTimer.unref();
    },

    async stop() {
      if (flushTimer) clearInterval(flushTimer);
      await feed.stop();
      await flushUsage();
    },

    flushUsage,

    /**
     * Evicts a key by id. Called after a transaction that changed the key commits, so the
     * instance that made the change never serves the old verdict, even for the few
     * milliseconds before its own NOTIFY arrives.
     */
    forgetKey(keyId: string) {
      generation += 1;
      const keyHash = hashById.get(keyId);
      if (keyHash) cache.delete(keyHash);
    },

    async verify(candidate: string): Promise<KeyVerification> {
      const parsed = parseApiKey(candidate);
      if (!parsed.ok || parsed.environment !== options.environment) return { kind: 'malformed' };
      const entry = await lookup(hashApiKey(pepper, candidate));
      if (!entry) return { kind: 'unknown' };
      if (entry.revoked) return { kind: 'revoked' };
      const now = clock();
      if (entry.expiresAt !== null && entry.expiresAt <= now) return { kind: 'expired' };
      usage.set(entry.key.id, new Date(now));
      return { kind: 'valid', key: entry.key };
    },

    cacheSize: () => cache.size,
    cachedMisses: () => misses.size,
  };
}

export type KeyVerifier = ReturnType<typeof createKeyVerifier>;
