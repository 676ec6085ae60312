export interface EventuallyOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Polls `check` until it holds, for state that settles asynchronously (cache invalidation
 * over LISTEN/NOTIFY, route tables reloading). Throws once the deadline passes, so a test
 * fails on the condition rather than on the suite timeout.
 */
export async function eventually(
  check: () => Promise<boolean>,
  { timeoutMs = 5_000, intervalMs = 20 }: EventuallyOptions = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
