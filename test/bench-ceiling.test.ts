/**
 * The ceiling every benchmark run measures first: ONNX Runtime alone, in the embedded backend's default layout,
 * on the workload's bucket mix, fp32 and int8. These tests check its shape and arithmetic on the tiny synthetic
 * model (never its speed).
 */
import { spawnSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { bucketMix, type CeilingResult, ceilingPoint, shareOfCeiling } from "../bench/lib/ceiling";
import { ceilingLayout, layoutLabel, timePerRun } from "../bench/lib/ceiling-layout";
import { withCeilingShares } from "../bench/lib/ceiling-run";
import { flopsPerSequence, type TransformerShape } from "../bench/lib/flops";
import type { SubjectResult } from "../bench/lib/results";
import { MODEL_PRECISIONS } from "../gateway/src/deployment-contract";
import { MODEL_FILES } from "../gateway/src/inference/repository-layout";

const ROOT = path.resolve(__dirname, "..");
const TINY_VERSION_DIR = path.join(ROOT, ".local", "models", "tiny", "distilbert_sst2", "1");
const TINY: TransformerShape = { dim: 32, layers: 2, heads: 2, ffn: 64, numLabels: 2 };
const BASE: TransformerShape = { dim: 768, layers: 6, heads: 12, ffn: 3072, numLabels: 2 };

describe("the ceiling's arithmetic", () => {
  test("the bucket mix is each padded length's share of the requests, in ascending order", () => {
    expect([...bucketMix([32, 16, 32, 64])]).toEqual([
      [16, 0.25],
      [32, 0.5],
      [64, 0.25],
    ]);
  });

  test("a point divides the mix's FLOPs by the time a full batch of each bucket takes per sequence", () => {
    const mix = new Map([
      [16, 0.5],
      [32, 0.5],
    ]);
    // 16 tokens: 80 ms per batch of 8; 32 tokens: 160 ms per batch of 8.
    const point = ceilingPoint(8, mix, (bucket) => (bucket === 16 ? 0.08 : 0.16), BASE);
    const secondsPerSequence = (0.5 * 0.08 + 0.5 * 0.16) / 8;
    expect(point.batchSize).toBe(8);
    expect(point.sequencesPerSecond).toBeCloseTo(1 / secondsPerSequence, 9);
    const flops = 0.5 * flopsPerSequence(BASE, 16) + 0.5 * flopsPerSequence(BASE, 32);
    expect(point.gflops).toBeCloseTo(flops / secondsPerSequence / 1e9, 6);
  });

  test("a scenario's share is its GFLOP/s at saturation over the ceiling of the precision it served", () => {
    const ceiling = {
      precision: "int8" as const,
      modelFile: MODEL_FILES.int8,
      layout: { sessions: 2, intraOpThreadsPerSession: 1 },
      bucketMix: { "32": 1 },
      batch1: { batchSize: 1, sequencesPerSecond: 50, gflops: 100 },
      best: { batchSize: 16, sequencesPerSecond: 100, gflops: 200 },
      points: [],
      msPerRun: {},
    };
    expect(shareOfCeiling(150, ceiling)).toBeCloseTo(0.75, 9);
    expect(shareOfCeiling(null, ceiling)).toBeNull();
    expect(shareOfCeiling(150, undefined)).toBeNull();
    const subject = (precision: string) =>
      ({
        id: precision,
        server: { precision },
        gflopsPerRequest: 2,
        saturation: { throughput: 60, concurrency: 16, p50: 1, p95: 2, p99: 3 },
        closedLoop: [],
      }) as unknown as SubjectResult;
    const [int8, fp32] = withCeilingShares([subject("int8"), subject("fp32")], [ceiling]);
    expect(int8?.ceilingShare).toBeCloseTo(120 / 200, 9);
    expect(fp32?.ceilingShare).toBeNull();
  });
});

describe("the ceiling's layout", () => {
  test("by default it is the embedded backend's: one session per core with one intra-op thread each", () => {
    expect(ceilingLayout(2)).toEqual({ sessions: 2, intraOpThreadsPerSession: 1 });
  });

  test("by default it stops at the backend's most sessions and shares the remaining cores among them", () => {
    expect(ceilingLayout(16)).toEqual({ sessions: 4, intraOpThreadsPerSession: 4 });
  });

  test("one session gets ONNX Runtime's own thread default unless a thread count is given", () => {
    expect(ceilingLayout(8, { sessions: 1 })).toEqual({ sessions: 1, intraOpThreadsPerSession: 0 });
    expect(ceilingLayout(8, { sessions: 1, intraOpThreads: 3 })).toEqual({
      sessions: 1,
      intraOpThreadsPerSession: 3,
    });
  });

  test("a session count that is not a positive whole number is refused", () => {
    expect(() => ceilingLayout(2, { sessions: 0 })).toThrow(
      "the ceiling needs a positive whole number of sessions, got 0",
    );
  });

  test("a round in which every session ran once is worth one run every round ÷ sessions", () => {
    expect(timePerRun(120, 2)).toBe(60);
    expect(timePerRun(120, 1)).toBe(120);
  });

  test("two sessions finishing a batch of 8 every 160 ms make a point twice as fast as one session", () => {
    const mix = new Map([[32, 1]]);
    const one = ceilingPoint(8, mix, () => timePerRun(0.16, 1), BASE);
    const two = ceilingPoint(8, mix, () => timePerRun(0.16, 2), BASE);
    expect(two.sequencesPerSecond).toBeCloseTo(2 * one.sequencesPerSecond, 9);
    expect(two.sequencesPerSecond).toBeCloseTo((2 * 8) / 0.16, 9);
  });

  test("the label names the sessions and each one's threads", () => {
    expect(layoutLabel({ sessions: 2, intraOpThreadsPerSession: 1 })).toBe("2 sessions × 1 intra-op thread");
    expect(layoutLabel({ sessions: 1, intraOpThreadsPerSession: 0 })).toBe(
      "1 session × ONNX Runtime's default threads",
    );
  });
});

/**
 * onnxruntime-node's output tensors are built with the Node realm's Float32Array, which Jest's sandbox does not
 * share, so the real measurement runs in a plain Node process, as `npm run bench` runs it.
 */
function measureInNode(
  options: Record<string, unknown>,
): { ok: true; result: CeilingResult } | { ok: false; error: string } {
  const script = `
    const { measureCeiling } = require(${JSON.stringify(path.join(ROOT, "bench", "lib", "ceiling.ts"))});
    measureCeiling(${JSON.stringify(options)}).then(
      (result) => process.stdout.write(JSON.stringify({ ok: true, result })),
      (error) => process.stdout.write(JSON.stringify({ ok: false, error: error.message })),
    );`;
  const run = spawnSync(process.execPath, ["--import", "tsx", "-e", script], { cwd: ROOT, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`ceiling process failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

const ONE_SESSION = { sessions: 1, intraOpThreadsPerSession: 0 };
const TWO_SESSIONS = { sessions: 2, intraOpThreadsPerSession: 1 };

function tinyCeiling(precision: (typeof MODEL_PRECISIONS)[number], layout?: object) {
  return measureInNode({
    modelPath: path.join(TINY_VERSION_DIR, MODEL_FILES[precision]),
    modelFile: MODEL_FILES[precision],
    precision,
    shape: TINY,
    paddedLengths: [16, 16, 32, 64],
    settings: { batchSizes: [4, 2], runsPerShape: 1 },
    ...(layout ? { layout } : {}),
  });
}

describe("the ceiling measured on the tiny model", () => {
  test.each(
    MODEL_PRECISIONS.flatMap((precision) => [
      [precision, "in this process", ONE_SESSION],
      [precision, "on two worker threads", TWO_SESSIONS],
    ]) as [(typeof MODEL_PRECISIONS)[number], string, typeof ONE_SESSION][],
  )(
    "%s, %s: batch 1 and every candidate batch, the best one among them, each shape timed",
    (precision, _where, layout) => {
      const outcome = tinyCeiling(precision, layout);
      if (!outcome.ok) throw new Error(outcome.error);
      const result = outcome.result;
      expect(result.precision).toBe(precision);
      expect(result.modelFile).toBe(MODEL_FILES[precision]);
      expect(result.layout).toEqual(layout);
      expect(result.bucketMix).toEqual({ "16": 0.5, "32": 0.25, "64": 0.25 });
      expect(result.points.map((p) => p.batchSize)).toEqual([1, 2, 4]);
      expect(Object.keys(result.msPerRun).sort()).toEqual(
        ["1x16", "1x32", "1x64", "2x16", "2x32", "2x64", "4x16", "4x32", "4x64"].sort(),
      );
      expect(result.batch1).toEqual(result.points[0]);
      const fastest = Math.max(...result.points.map((p) => p.sequencesPerSecond));
      expect(result.best.sequencesPerSecond).toBe(fastest);
      for (const p of result.points) {
        expect(Number.isFinite(p.sequencesPerSecond) && p.sequencesPerSecond > 0).toBe(true);
        expect(Number.isFinite(p.gflops) && p.gflops > 0).toBe(true);
      }
    },
    60_000,
  );

  test("without a layout it measures the embedded backend's default layout on this machine", () => {
    const outcome = tinyCeiling("int8");
    if (!outcome.ok) throw new Error(outcome.error);
    expect(outcome.result.layout).toEqual(ceilingLayout(os.availableParallelism()));
  }, 60_000);

  test("a worker session that cannot load the model fails naming the session and the file", () => {
    const missing = path.join(TINY_VERSION_DIR, "missing.onnx");
    const outcome = measureInNode({
      modelPath: missing,
      modelFile: "missing.onnx",
      precision: "fp32",
      shape: TINY,
      paddedLengths: [16],
      settings: { batchSizes: [1], runsPerShape: 1 },
      layout: TWO_SESSIONS,
    });
    expect(outcome.ok).toBe(false);
    if (!outcome.ok)
      expect(outcome.error).toMatch(/^ceiling session [12] of 2 could not load .*missing\.onnx: /);
  }, 60_000);

  test("a workload without requests is refused with a readable error", () => {
    const outcome = measureInNode({
      modelPath: path.join(TINY_VERSION_DIR, MODEL_FILES.fp32),
      modelFile: MODEL_FILES.fp32,
      precision: "fp32",
      shape: TINY,
      paddedLengths: [],
      settings: { batchSizes: [2], runsPerShape: 1 },
    });
    expect(outcome).toEqual({ ok: false, error: "the ceiling needs a workload with at least one request" });
  }, 60_000);
});
