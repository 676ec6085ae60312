import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Child processes of the benchmarks: each writes stdout and stderr to its own log file (as an
 * operator's process manager would), the bench reads those files to learn when a process is
 * ready, and every child is killed when the bench exits, whether it finished or failed.
 */
export interface BenchProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  logPath: string;
  /** The first match of `pattern` in the log, waiting up to `timeoutMs`; fails early if the process exits. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();
const cleanups = new Set<() => Promise<void>>();
let exitHookInstalled = false;
const interruptCleanupMs = 20_000;

/**
 * A bench that throws or is interrupted must not leave servers holding ports (or scratch
 * databases) behind: on SIGINT/SIGTERM the registered cleanups run for a bounded time, and
 * whatever child is still alive when the process exits is killed.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      const done = Promise.allSettled([...cleanups].map((cleanup) => cleanup()));
      void Promise.race([done, sleep(interruptCleanupMs, undefined, { ref: false })]).finally(() => process.exit(130));
    });
  }
}

/** Runs `cleanup` if the bench is interrupted; the returned function unregisters it. */
export function onInterrupt(cleanup: () => Promise<void>): () => void {
  installExitHook();
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
  };
}

export function readLog(logPath: string): string {
  try {
    return readFileSync(logPath, 'utf8');
  } catch {
    return '';
  }
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export function spawnLogged(options: {
  name: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  logPath: string;
}): BenchProcess {
  installExitHook();
  const fd = openSync(options.logPath, 'w');
  const child = spawn(process.execPath, options.args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
    stdio: ['ignore', fd, fd],
  });
  // The child holds its own copy of the descriptor.
  closeSync(fd);
  const { pid } = child;
  if (pid === undefined) throw new Error(`${options.name} did not start`);
  running.add(child);
  const exited = once(child, 'exit').then(() => {
    running.delete(child);
  });

  return {
    name: options.name,
    child,
    pid,
    logPath: options.logPath,
    async waitForLog(pattern, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const log = readLog(options.logPath);
        const match = pattern.exec(log);
        if (match) return match;
        if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
          const why = child.exitCode !== null || child.signalCode !== null ? 'exited' : 'timed out';
          throw new Error(`${options.name} ${why} before logging ${pattern}; log tail:\n${tail(log, 20)}`);
        }
        await sleep(100);
      }
    },
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const graceful = await Promise.race([exited.then(() => true), sleep(graceMs, false, { ref: false })]);
      if (!graceful) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** Memory of a running process in MiB (Linux /proc/<pid>/status): VmRSS now, VmHWM its peak. */
export function memoryMiB(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** What a process has spent: log written (bytes, lines) and CPU seconds (NaN where unknown). */
export interface Usage {
  logBytes: number;
  logLines: number;
  cpuSeconds: number;
}

export const noUsage: Usage = { logBytes: 0, logLines: 0, cpuSeconds: 0 };

export function usageOf(pid: number, logPath: string): Usage {
  const text = readLog(logPath);
  let logLines = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) logLines += 1;
  return { logBytes: statSync(logPath).size, logLines, cpuSeconds: cpuSeconds(pid) ?? Number.NaN };
}

/** `total` plus what was spent between the snapshots `before` and `after`. */
export function addUsage(total: Usage, before: Usage, after: Usage): Usage {
  return {
    logBytes: total.logBytes + after.logBytes - before.logBytes,
    logLines: total.logLines + after.logLines - before.logLines,
    cpuSeconds: total.cpuSeconds + after.cpuSeconds - before.cpuSeconds,
  };
}

/** User + system CPU seconds a process has used (Linux /proc/<pid>/stat, in clock ticks of 1/100 s). */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name, which may itself contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const userTicks = Number(fields[11]);
    const systemTicks = Number(fields[12]);
    return Number.isFinite(userTicks + systemTicks) ? (userTicks + systemTicks) / 100 : undefined;
  } catch {
    return undefined;
  }
}
