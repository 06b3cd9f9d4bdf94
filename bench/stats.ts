/** Latency percentiles and throughput, computed the same way for every side of a comparison. */
export interface LoadStats {
  /** Successful units of work (2xx GraphQL responses, or complete replays) in the window. */
  completed: number;
  /** Milliseconds, nearest-rank percentiles of the successful ones. */
  p50: number;
  p99: number;
  /** Successful units per second of the measured window. */
  perSecond: number;
  seconds: number;
}

export function summarize(latenciesMs: number[], seconds: number): LoadStats {
  const sorted = Float64Array.from(latenciesMs).sort();
  return {
    completed: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    perSecond: seconds > 0 ? sorted.length / seconds : 0,
    seconds,
  };
}

/** Nearest-rank percentile; NaN when nothing completed. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

/** The middle value (the mean of the two middle ones for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const sorted = Float64Array.from(values).sort();
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** A few timings summed up, in ms: count, extremes and nearest-rank p50 and p95. */
export interface Latencies {
  n: number;
  min: number;
  p50: number;
  p95: number;
  max: number;
}

export function latencies(values: readonly number[]): Latencies {
  const sorted = Float64Array.from(values).sort();
  return {
    n: sorted.length,
    min: sorted[0] ?? Number.NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    max: sorted.at(-1) ?? Number.NaN,
  };
}
