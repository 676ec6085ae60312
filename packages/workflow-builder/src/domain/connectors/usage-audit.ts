import type { Database } from '@wfb/core/db/driver.js';
import type { Logger } from '@wfb/core/logger.js';
import type { AuditActor } from '../audit/audit.store.js';
import { createEntityAudit, systemActor } from '../audit/entity-audit.js';
import { auditConnector } from './connector-audit.js';
import { recordConnectorsUsed } from './connectors.store.js';

/**
 * Credential use on the proxy (and worker) path is audited, but one row per request
 * would turn the audit log into an access log. Uses are counted per connector per
 * minute in memory and written as one `connector.used` row per bucket, with calls per
 * actor and per status in its metadata, once the minute is over (and on shutdown).
 * `last_used_at` is batched the same way. A crash loses at most the current minute's
 * counts, never a change to the connector itself. Workflow webhooks to a raw URL (no
 * connector) are counted the same way per origin, as `egress.used` on an `egress_target`.
 */
export interface UsageEvent {
  projectId: string;
  connectorId: string;
  connectorName: string;
  actor: AuditActor;
  /** HTTP status of the upstream response, or an error code when the call failed. */
  outcome: number | string;
  /** `url`: a call to a raw URL; connectorId and connectorName then hold its origin. Default `connector`. */
  target?: 'connector' | 'url';
}

const auditEgressTarget = createEntityAudit('egress_target', () => ({}));

interface Bucket {
  target: 'connector' | 'url';
  projectId: string;
  connectorId: string;
  connectorName: string;
  minute: number;
  calls: number;
  byActor: Map<string, number>;
  byOutcome: Map<string, number>;
  lastAt: Date;
}

const minuteMs = 60_000;

export interface UsageAuditOptions {
  database: Database;
  logger: Logger;
  clock?: () => Date;
  flushIntervalMs?: number;
}

export function createUsageAudit(options: UsageAuditOptions) {
  const clock = options.clock ?? (() => new Date());
  const buckets = new Map<string, Bucket>();
  let timer: NodeJS.Timeout | undefined;

  function increment(map: Map<string, number>, key: string) {
    map.set(key, (map.get(key) ?? 0) + 1);
  }

  async function write(batch: Bucket[]) {
    const lastUsed = new Map<string, Date>();
    await options.database.db.transaction().execute(async (trx) => {
      for (const bucket of batch) {
        const entity = { id: bucket.connectorId, project_id: bucket.projectId };
        const counts = {
          name: bucket.connectorName,
          minute: new Date(bucket.minute).toISOString(),
          calls: bucket.calls,
          byActor: Object.fromEntries(bucket.byActor),
          byOutcome: Object.fromEntries(bucket.byOutcome),
        };
        if (bucket.target === 'url') {
          await auditEgressTarget(trx, systemActor, entity, 'egress.used', counts);
          continue;
        }
        await auditConnector(trx, systemActor, entity, 'connector.used', counts);
        const previous = lastUsed.get(bucket.connectorId);
        if (!previous || previous < bucket.lastAt) lastUsed.set(bucket.connectorId, bucket.lastAt);
      }
      await recordConnectorsUsed(trx, lastUsed);
    });
  }

  async function flush(all = false): Promise<number> {
    const currentMinute = Math.floor(clock().getTime() / minuteMs) * minuteMs;
    const due = [...buckets].filter(([, bucket]) => all || bucket.minute < currentMinute);
    if (due.length === 0) return 0;
    for (const [key] of due) buckets.delete(key);
    const batch = due.map(([, bucket]) => bucket);
    try {
      await write(batch);
    } catch (error) {
      options.logger.warn({ err: error, buckets: batch.length }, 'could not write connector usage audit; will retry');
      for (const bucket of batch) {
        const key = `${bucket.projectId}|${bucket.connectorId}|${bucket.minute}`;
        if (!buckets.has(key)) buckets.set(key, bucket);
      }
      return 0;
    }
    return batch.length;
  }

  return {
    record(event: UsageEvent) {
      const now = clock();
      const minute = Math.floor(now.getTime() / minuteMs) * minuteMs;
      const key = `${event.projectId}|${event.connectorId}|${minute}`;
      let bucket = buckets.get(key);
      if (!bucket) {
        bucket = {
          target: event.target ?? 'connector',
          projectId: event.projectId,
          connectorId: event.connectorId,
          connectorName: event.connectorName,
          minute,
          calls: 0,
          byActor: new Map(),
          byOutcome: new Map(),
          lastAt: now,
        };
        buckets.set(key, bucket);
      }
      bucket.calls += 1;
      bucket.lastAt = now;
      increment(bucket.byActor, `${event.actor.type}:${event.actor.id ?? '-'}`);
      increment(bucket.byOutcome, String(event.outcome));
    },
    flush,
    start() {
      timer = setInterval(() => void flush(), options.flushIntervalMs ?? 15_000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await flush(true);
    },
  };
}

export type UsageAudit = ReturnType<typeof createUsageAudit>;
