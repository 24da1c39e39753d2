/**
 * The machine's ceiling for this model: ONNX Runtime alone (no HTTP, no tokenizer, no batcher), in this
 * process, on the workload's own bucket mix. Every scenario is reported as a share of it, so a run says how much
 * of the arithmetic the serving path leaves on the table, on whatever machine and load the run had.
 *
 * For each batch size, each bucket of the mix is timed at [batch, bucket]; the mix's rate is what a perfect
 * server would reach if every bucket's requests always arrived in full batches of that size:
 *   seconds per sequence = Σ_L share(L) · time(batch, L) / batch.
 */
import { performance } from "node:perf_hooks";
import * as ort from "onnxruntime-node";
import type { ModelPrecision } from "../../gateway/src/deployment-contract";
import { ATTENTION_MASK, INPUT_IDS } from "../../gateway/src/inference/model-contract";
import { flopsPerSequence, type TransformerShape } from "./flops";

export interface CeilingSettings {
  /** Candidate batch sizes; 1 is always measured. */
  batchSizes: number[];
  /** Timed runs per shape after one untimed warm-up run; the median is used. */
  runsPerShape: number;
}

export interface CeilingPoint {
  batchSize: number;
  sequencesPerSecond: number;
  gflops: number;
}

export interface CeilingResult {
  precision: ModelPrecision;
  modelFile: string;
  /** Share of the workload's requests per padded length. */
  bucketMix: Record<string, number>;
  batch1: CeilingPoint;
  /** The batch size with the highest rate for this mix: the ceiling scenarios are compared with. */
  best: CeilingPoint;
  points: CeilingPoint[];
  /** Median milliseconds per run, by `${batch}x${bucket}`. */
  msPerRun: Record<string, number>;
}

/** Fraction of requests per padded length, from the padded lengths the workload sends. */
export function bucketMix(paddedLengths: readonly number[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const L of paddedLengths) counts.set(L, (counts.get(L) ?? 0) + 1);
  const mix = new Map<number, number>();
  for (const [L, n] of [...counts].sort((a, b) => a[0] - b[0])) mix.set(L, n / paddedLengths.length);
  return mix;
}

/** A point from measured run times: the arithmetic behind every ceiling number (tested without a model). */
export function ceilingPoint(
  batchSize: number,
  mix: ReadonlyMap<number, number>,
  secondsPerRun: (bucket: number) => number,
  shape: TransformerShape,
): CeilingPoint {
  let seconds = 0;
  let flops = 0;
  for (const [L, share] of mix) {
    seconds += (share * secondsPerRun(L)) / batchSize;
    flops += share * flopsPerSequence(shape, L);
  }
  return { batchSize, sequencesPerSecond: 1 / seconds, gflops: flops / seconds / 1e9 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function feeds(batch: number, bucket: number): Record<string, ort.Tensor> {
  // Real-looking ids ([CLS] … [SEP]) with every position attended: the cost does not depend on the values.
  const ids = new BigInt64Array(batch * bucket);
  for (let i = 0; i < ids.length; i++) ids[i] = BigInt(1000 + ((i * 7919) % 20000));
  const mask = new BigInt64Array(batch * bucket).fill(1n);
  return {
    [INPUT_IDS]: new ort.Tensor("int64", ids, [batch, bucket]),
    [ATTENTION_MASK]: new ort.Tensor("int64", mask, [batch, bucket]),
  };
}

export async function measureCeiling(options: {
  modelPath: string;
  modelFile: string;
  precision: ModelPrecision;
  shape: TransformerShape;
  paddedLengths: readonly number[];
  settings: CeilingSettings;
  intraOpThreads?: number;
}): Promise<CeilingResult> {
  const { settings, shape } = options;
  if (options.paddedLengths.length === 0)
    throw new Error("the ceiling needs a workload with at least one request");
  if (!Number.isInteger(settings.runsPerShape) || settings.runsPerShape < 1) {
    throw new Error(`runsPerShape must be a positive integer, got ${settings.runsPerShape}`);
  }
  const mix = bucketMix(options.paddedLengths);
  const batchSizes = [...new Set([1, ...settings.batchSizes])].sort((a, b) => a - b);
  // The same session options as the embedded backend (graph optimizations on, ORT's thread default).
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: "all",
    executionMode: "sequential",
  };
  if (options.intraOpThreads) sessionOptions.intraOpNumThreads = options.intraOpThreads;
  const session = await ort.InferenceSession.create(options.modelPath, sessionOptions);
  const msPerRun: Record<string, number> = {};
  try {
    for (const batch of batchSizes) {
      for (const bucket of mix.keys()) {
        const input = feeds(batch, bucket);
        await session.run(input);
        const times: number[] = [];
        for (let r = 0; r < settings.runsPerShape; r++) {
          const start = performance.now();
          await session.run(input);
          times.push(performance.now() - start);
        }
        msPerRun[`${batch}x${bucket}`] = median(times);
      }
    }
  } finally {
    await session.release();
  }
  const points = batchSizes.map((batch) =>
    ceilingPoint(batch, mix, (bucket) => (msPerRun[`${batch}x${bucket}`] as number) / 1000, shape),
  );
  const best = points.reduce((a, b) => (b.sequencesPerSecond > a.sequencesPerSecond ? b : a));
  return {
    precision: options.precision,
    modelFile: options.modelFile,
    bucketMix: Object.fromEntries([...mix].map(([L, share]) => [String(L), share])),
    batch1: points[0] as CeilingPoint,
    best,
    points,
    msPerRun,
  };
}

/** A subject's achieved GFLOP/s at its saturation point as a share of its precision's ceiling. */
export function shareOfCeiling(
  achievedGflops: number | null,
  ceiling: CeilingResult | undefined,
): number | null {
  if (achievedGflops === null || ceiling === undefined || !(ceiling.best.gflops > 0)) return null;
  return achievedGflops / ceiling.best.gflops;
}
