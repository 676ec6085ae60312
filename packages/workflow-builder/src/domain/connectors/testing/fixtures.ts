import { randomBytes } from 'node:crypto';
import type { Database } from '@wfb/core/db/driver.js';
import { sql } from 'kysely';

/**
 * Shared by the connectors test suites. Key material is generated per run; the planted
 * secrets are distinctive strings each suite searches for in every response, log line,
 * audit row and table dump.
 */
export const oldKey = `old:${randomBytes(32).toString('base64')}`;
export const newKey = `new:${randomBytes(32).toString('base64')}`;

export function connectorEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ENCRYPTION_KEYS: oldKey,
    OUTBOUND_ALLOW_CIDRS: '127.0.0.1/32',
    PUBLIC_BASE_URL: 'http://localhost:3000',
    CONNECTOR_TEST_RATE_PER_MINUTE: '1000',
    ...extra,
  };
}

/** Every row of every table in `public`, as text: what a database dump would contain. */
export async function dumpPublicTables(database: Database): Promise<string> {
  const tables = await sql<{ tablename: string }>`
    select tablename from pg_tables where schemaname = 'public' order by tablename`.execute(database.db);
  const parts: string[] = [];
  for (const { tablename } of tables.rows) {
    const rows = await sql<{ row: string }>`select t::text as row from ${sql.table(`public.${tablename}`)} t`.execute(
      database.db,
    );
    parts.push(`-- ${tablename}\n${rows.rows.map((row) => row.row).join('\n')}`);
  }
  return parts.join('\n');
}

export function expectNoSecrets(haystack: string, secrets: readonly string[]): string[] {
  return secrets.filter((secret) => haystack.includes(secret));
}
