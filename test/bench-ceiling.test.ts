/**
 * The ceiling every benchmark run measures first: ONNX Runtime alone on the workload's bucket mix, fp32 and
 * int8. These tests check its shape and arithmetic on the tiny synthetic model (never its speed).
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { bucketMix, type CeilingResult, ceilingPoint, shareOfCeiling } from "../bench/lib/ceiling";
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

describe("the ceiling measured on the tiny model", () => {
  test.each(MODEL_PRECISIONS)(
    "%s: batch 1 and every candidate batch, the best one among them, each shape timed",
    (precision) => {
      const outcome = measureInNode({
        modelPath: path.join(TINY_VERSION_DIR, MODEL_FILES[precision]),
        modelFile: MODEL_FILES[precision],
        precision,
        shape: TINY,
        paddedLengths: [16, 16, 32, 64],
        settings: { batchSizes: [4, 2], runsPerShape: 1 },
      });
      if (!outcome.ok) throw new Error(outcome.error);
      const result = outcome.result;
      expect(result.precision).toBe(precision);
      expect(result.modelFile).toBe(MODEL_FILES[precision]);
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
