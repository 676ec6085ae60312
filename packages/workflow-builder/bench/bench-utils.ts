/** Small timing helpers shared by the benchmarks: figures come out as numbers, printed as ratios. */
export interface LatencySummary {
  count: number;
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export function percentile(sortedMs: number[], fraction: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  const index = Math.min(sortedMs.length - 1, Math.floor(sortedMs.length * fraction));
  return sortedMs[index] ?? Number.NaN;
}

/** Runs `operation` sequentially for at least `durationMs` (and `minCount` times), timing each call. */
export async function measure(
  operation: (iteration: number) => unknown | Promise<unknown>,
  options: { durationMs: number; minCount?: number; maxCount?: number },
): Promise<LatencySummary> {
  const samples: number[] = [];
  const started = performance.now();
  let iteration = 0;
  while (
    (performance.now() - started < options.durationMs || iteration < (options.minCount ?? 1)) &&
    iteration < (options.maxCount ?? Number.POSITIVE_INFINITY)
  ) {
    const before = performance.now();
    await operation(iteration);
    samples.push(performance.now() - before);
    iteration += 1;
  }
  return summarize(samples, started);
}

/** Sorts `samples` (milliseconds each) in place and summarizes them over the time since `started`. */
export function summarize(samples: number[], started: number): LatencySummary {
  const elapsed = performance.now() - started;
  samples.sort((a, b) => a - b);
  return {
    count: samples.length,
    opsPerSecond: (samples.length / elapsed) * 1000,
    p50Ms: percentile(samples, 0.5),
    p99Ms: percentile(samples, 0.99),
  };
}

export function formatRow(label: string, summary: LatencySummary): string {
  return `${label.padEnd(44)} ${summary.opsPerSecond.toFixed(0).padStart(10)} ops/s   p50 ${summary.p50Ms
    .toFixed(4)
    .padStart(9)} ms   p99 ${summary.p99Ms.toFixed(4).padStart(9)} ms   (n=${summary.count})`;
}

export function ratio(numerator: number, denominator: number): string {
  return `${(numerator / denominator).toFixed(2)}×`;
}
