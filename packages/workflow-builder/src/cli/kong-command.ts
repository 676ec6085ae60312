import type { Database } from '@wfb/core/db/driver.js';
import type { Logger } from '@wfb/core/logger.js';
import { sql } from 'kysely';
import { advisoryLockKeys } from '../db/advisory-lock.js';
import { kongSyncChannel } from '../kong/kong-controller.js';
import type { KongDiff, KongPassOutcome } from '../kong/kong-sync.js';
import { createKongSync, exportKongConfig } from '../kong/kong-sync.js';
import type { KongSettings, KongTranslationSettings } from '../settings.js';

/**
 * `wfb kong diff | sync | export`. `export` needs no Kong: it prints the desired
 * configuration as a kong.yml (DB-less `/config`, `deck gateway sync`). `diff` reads Kong and
 * prints the plan; `sync` runs one pass — unless a running instance leads the controller
 * (it holds the advisory lock), which is then asked to run it, so two never write at once.
 */
export interface KongCommandDeps {
  database: Database;
  logger: Logger;
  write: (text: string) => void;
  warn: (text: string) => void;
}

export function formatDiff(diff: KongDiff): string {
  const lines = diff.operations.map((operation) => {
    const owner = operation.publicInterfaceId ? ` (public interface ${operation.publicInterfaceId})` : '';
    const fields = operation.fields?.length ? ` [${operation.fields.join(', ')}]` : '';
    return `${operation.action.padEnd(6)} ${operation.kind.padEnd(7)} ${operation.name || operation.id}${fields}${owner}`;
  });
  for (const item of diff.rejected) lines.push(`skip   ${item.publicInterfaceId}: ${item.reason}`);
  lines.push(
    `${diff.operations.length} change(s) in ${diff.mode} mode${diff.operations.length === 0 ? ': Kong is in sync' : ''}`,
  );
  return `${lines.join('\n')}\n`;
}

export function formatOutcome(outcome: KongPassOutcome): string {
  const push =
    outcome.mode === 'dbless'
      ? `, ${outcome.skipped ? 'push skipped (Kong holds it)' : `pushed ${outcome.pushBytes ?? 0} bytes`}`
      : '';
  return (
    `${outcome.interfaces} public interfaces: ${outcome.synced} synced, ${outcome.refused} refused; ` +
    `${outcome.writes} write(s), ${outcome.driftRepairs} drift repair(s)${push}\n` +
    outcome.unattributed.map((reason) => `shared entity refused: ${reason}\n`).join('')
  );
}

export async function runKongExport(deps: KongCommandDeps, settings: KongTranslationSettings): Promise<void> {
  const exported = await exportKongConfig(deps.database, settings);
  for (const item of exported.rejected) deps.warn(`left out ${item.publicInterfaceId}: ${item.reason}`);
  deps.write(exported.yaml);
}

export async function runKongDiff(deps: KongCommandDeps, settings: KongSettings, json: boolean): Promise<void> {
  const diff = await createKongSync({ settings, database: deps.database, logger: deps.logger }).diff();
  deps.write(json ? `${JSON.stringify(diff, null, 2)}\n` : formatDiff(diff));
}

/** Runs `work` holding the controller's leader lock; false when a running instance holds it. */
async function asLeader(database: Database, work: () => Promise<void>): Promise<boolean> {
  const opening = database.openSession();
  if (!opening) {
    await work();
    return true;
  }
  const session = await opening;
  try {
    const result = await session.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [
      advisoryLockKeys.kongController,
    ]);
    if (!result.rows[0]?.locked) return false;
    await work();
    return true;
  } finally {
    await session.end();
  }
}

export async function runKongSync(deps: KongCommandDeps, settings: KongSettings): Promise<void> {
  const sync = createKongSync({ settings, database: deps.database, logger: deps.logger });
  const ran = await asLeader(deps.database, async () => {
    deps.write(formatOutcome(await sync.pass()));
  });
  if (!ran) {
    await sql`select pg_notify(${kongSyncChannel}, '')`.execute(deps.database.db);
    deps.write('a running instance leads the Kong controller; it was asked to run a pass now\n');
  }
}
