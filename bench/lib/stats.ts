/** Latency summaries and the median/spread of repeated runs. */

export interface LatencySummary {
  /** Milliseconds. */
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  max: number;
}

/** Nearest-rank percentile of an ascending array (q in [0, 100]). */
export function percentile(sortedAsc: readonly number[], q: number): number {
  if (sortedAsc.length === 0) return Number.NaN;
  const rank = Math.ceil((q / 100) * sortedAsc.length);
  const index = Math.min(sortedAsc.length - 1, Math.max(0, rank - 1));
  return sortedAsc[index] as number;
}

export function summarizeLatencies(latenciesMs: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(latenciesMs).sort();
  const asArray = Array.from(sorted);
  let sum = 0;
  for (const v of asArray) sum += v;
  return {
    p50: percentile(asArray, 50),
    p95: percentile(asArray, 95),
    p99: percentile(asArray, 99),
    mean: asArray.length > 0 ? sum / asArray.length : Number.NaN,
    max: asArray.length > 0 ? (asArray[asArray.length - 1] as number) : Number.NaN,
  };
}

/** Median with the min and max of the repetitions, so a reader sees how much runs disagreed. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  /** (max - min) / median, in percent; NaN when the median is 0 or undefined. */
  rangePct: number;
  values: number[];
}

export function spread(values: readonly number[]): Spread {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) {
    return {
      median: Number.NaN,
      min: Number.NaN,
      max: Number.NaN,
      rangePct: Number.NaN,
      values: [...values],
    };
  }
  const sorted = [...finite].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  const min = sorted[0] as number;
  const max = sorted[sorted.length - 1] as number;
  return {
    median,
    min,
    max,
    rangePct: median !== 0 ? ((max - min) / median) * 100 : Number.NaN,
    values: [...values],
  };
}
