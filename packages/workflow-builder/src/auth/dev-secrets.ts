import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Local development only: secrets generated once into DATA_DIR (mode 0600) so a fresh
 * clone runs with no configuration. Production refuses to start without real values
 * (see env.ts), so these never stand in for them there.
 */
export function loadOrCreateDevSecret(dataDir: string, name: string, bytes = 48): string {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, `${name}.secret`);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(bytes).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
