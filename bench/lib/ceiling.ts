/**
 * The machine's ceiling for this model: ONNX Runtime alone (no HTTP, no tokenizer, no batcher), with the embedded
 * backend's default layout of sessions and threads, on the workload's own bucket mix. Every scenario is reported
 * as a share of it, so a run says how much of the arithmetic the serving path leaves on the table, on whatever
 * machine and load the run had. Since 2026-12-03 the backend serves with one session per core
 * (ORT_SESSIONS); a ceiling of one session would sit below what the serving path itself reaches.
 *
 * For each batch size, each bucket of the mix is timed at [batch, bucket]; the mix's rate is what a perfect
 * server would reach if every bucket's requests always arrived in full batches of that size:
 *   seconds per sequence = Σ_L share(L) · time(batch, L) / batch,
 * where time(batch, L) is the effective time per run of the whole layout (timePerRun).
 */
import os from "node:os";
import { performance } from "node:perf_hooks";
import * as ort from "onnxruntime-node";
import type { ModelPrecision } from "../../gateway/src/deployment-contract";
import { ATTENTION_MASK, INPUT_IDS } from "../../gateway/src/inference/model-contract";
import { type CeilingLayout, ceilingLayout, timePerRun } from "./ceiling-layout";
import { LockstepSessions, type ShapeInput } from "./ceiling-sessions";
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
  layout: CeilingLayout;
  /** Share of the workload's requests per padded length. */
  bucketMix: Record<string, number>;
  batch1: CeilingPoint;
  /** The batch size with the highest rate for this mix: the ceiling scenarios are compared with. */
  best: CeilingPoint;
  points: CeilingPoint[];
  /** Effective milliseconds per run, by `${batch}x${bucket}`: the median round's wall time ÷ sessions. */
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

function shapeInput(batch: number, bucket: number): ShapeInput {
  // Real-looking ids ([CLS] … [SEP]) with every position attended: the cost does not depend on the values.
  const inputIds = new BigInt64Array(batch * bucket);
  for (let i = 0; i < inputIds.length; i++) inputIds[i] = BigInt(1000 + ((i * 7919) % 20000));
  const attentionMask = new BigInt64Array(batch * bucket).fill(1n);
  return { batch, bucket, inputIds, attentionMask };
}

/** What the timing loop needs of a layout: set a shape (warming it up), then time one round of it. */
interface Rounds {
  prepare(input: ShapeInput): Promise<void>;
  /** Wall milliseconds of one round: every session runs the prepared shape once. */
  round(): Promise<number>;
  close(): Promise<void>;
}

/**
 * One session in this process, with the options it had before the layout existed, so a one-session ceiling
 * measures exactly as the earlier ones did.
 */
async function inProcessSession(modelPath: string, intraOpThreads: number): Promise<Rounds> {
  const options: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: "all",
    executionMode: "sequential",
  };
  if (intraOpThreads > 0) options.intraOpNumThreads = intraOpThreads;
  const session = await ort.InferenceSession.create(modelPath, options);
  let feeds: Record<string, ort.Tensor> = {};
  return {
    async prepare(input) {
      const dims = [input.batch, input.bucket];
      feeds = {
        [INPUT_IDS]: new ort.Tensor("int64", input.inputIds, dims),
        [ATTENTION_MASK]: new ort.Tensor("int64", input.attentionMask, dims),
      };
      await session.run(feeds);
    },
    async round() {
      const start = performance.now();
      await session.run(feeds);
      return performance.now() - start;
    },
    close: () => session.release(),
  };
}

/**
 * Several sessions, one worker thread each, with the gateway worker's options (ort-worker-main.ts). With one
 * intra-op thread a session has no thread pool, so spin-waiting off changes nothing here; it is set so that a
 * layout with several threads per session (ORT_INTRA_OP_THREADS) is measured as the backend runs it too.
 */
function workerSessions(modelPath: string, layout: CeilingLayout): Promise<Rounds> {
  const options: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: "all",
    executionMode: "sequential",
    extra: { session: { intra_op: { allow_spinning: "0" }, inter_op: { allow_spinning: "0" } } },
  };
  if (layout.intraOpThreadsPerSession > 0) options.intraOpNumThreads = layout.intraOpThreadsPerSession;
  return LockstepSessions.open(modelPath, layout.sessions, options);
}

export async function measureCeiling(options: {
  modelPath: string;
  modelFile: string;
  precision: ModelPrecision;
  shape: TransformerShape;
  paddedLengths: readonly number[];
  settings: CeilingSettings;
  /** Default: the embedded backend's default layout on this machine (ceilingLayout). */
  layout?: CeilingLayout;
}): Promise<CeilingResult> {
  const { settings, shape } = options;
  if (options.paddedLengths.length === 0)
    throw new Error("the ceiling needs a workload with at least one request");
  if (!Number.isInteger(settings.runsPerShape) || settings.runsPerShape < 1) {
    throw new Error(`runsPerShape must be a positive integer, got ${settings.runsPerShape}`);
  }
  const layout = options.layout ?? ceilingLayout(os.availableParallelism());
  const mix = bucketMix(options.paddedLengths);
  const batchSizes = [...new Set([1, ...settings.batchSizes])].sort((a, b) => a - b);
  const rounds =
    layout.sessions === 1
      ? await inProcessSession(options.modelPath, layout.intraOpThreadsPerSession)
      : await workerSessions(options.modelPath, layout);
  const msPerRun: Record<string, number> = {};
  try {
    for (const batch of batchSizes) {
      for (const bucket of mix.keys()) {
        await rounds.prepare(shapeInput(batch, bucket));
        const times: number[] = [];
        for (let r = 0; r < settings.runsPerShape; r++) times.push(await rounds.round());
        msPerRun[`${batch}x${bucket}`] = timePerRun(median(times), layout.sessions);
      }
    }
  } finally {
    await rounds.close();
  }
  const points = batchSizes.map((batch) =>
    ceilingPoint(batch, mix, (bucket) => (msPerRun[`${batch}x${bucket}`] as number) / 1000, shape),
  );
  const best = points.reduce((a, b) => (b.sequencesPerSecond > a.sequencesPerSecond ? b : a));
  return {
    precision: options.precision,
    modelFile: options.modelFile,
    layout,
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
