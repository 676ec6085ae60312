import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';

/**
 * Finds the Temporal CLI for local servers. An explicit path wins; otherwise the repo's
 * install script decides (TEMPORAL_CLI_PATH, PATH, then a pinned copy in .cache/), so
 * shell users and tests resolve the binary the same way.
 */
export type CliLogger = Pick<Logger, 'debug' | 'info' | 'warn'>;

export const installScriptPath = fileURLToPath(new URL('../../../../scripts/install-temporal.sh', import.meta.url));

async function assertExecutable(path: string): Promise<void> {
  try {
    await access(path, constants.X_OK);
  } catch {
    throw new Error(`Temporal CLI at ${path} does not exist or is not executable`);
  }
}

function runInstallScript(logger: CliLogger | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [installScriptPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const stderrTail: string[] = [];
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    createInterface({ input: child.stderr }).on('line', (line) => {
      stderrTail.push(line);
      if (stderrTail.length > 20) stderrTail.shift();
      logger?.info({ script: installScriptPath }, line);
    });
    child.once('error', reject);
    child.once('close', (code) => {
      const path = stdout.trim();
      if (code === 0 && path.startsWith('/')) resolve(path);
      else reject(new Error(`${installScriptPath} exited with ${code}:\n${stderrTail.join('\n')}`));
    });
  });
}

export async function resolveTemporalCli(options: { cliPath?: string; logger?: CliLogger }): Promise<string> {
  if (options.cliPath) {
    await assertExecutable(options.cliPath);
    return options.cliPath;
  }
  const path = await runInstallScript(options.logger);
  await assertExecutable(path);
  return path;
}
