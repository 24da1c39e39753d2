/**
 * The ceiling step of a local run: the int8 file made if missing, then both precisions measured with the embedded
 * backend's default layout on this machine.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { MODEL_PRECISIONS } from "../../gateway/src/deployment-contract";
import { MODEL_FILES } from "../../gateway/src/inference/repository-layout";
import { type CeilingResult, type CeilingSettings, measureCeiling, shareOfCeiling } from "./ceiling";
import { ceilingLayout, layoutLabel } from "./ceiling-layout";
import type { TransformerShape } from "./flops";
import type { Progress } from "./progress";
import type { SubjectResult } from "./results";

/** quantize-version.sh is cached (a hash check when the file is current), so this is cheap on repeat runs. */
export function ensureInt8(repoRoot: string, versionDir: string, progress: Progress): void {
  if (!existsSync(path.join(versionDir, MODEL_FILES.int8))) {
    progress.status(`quantizing ${path.relative(repoRoot, versionDir)}/${MODEL_FILES.fp32} to int8`);
  }
  const run = spawnSync(
    "bash",
    [path.join(repoRoot, "triton-models", "tools", "quantize-version.sh"), versionDir],
    {
      cwd: repoRoot,
      encoding: "utf8",
    },
  );
  if (run.status !== 0) throw new Error(`int8 quantization failed: ${(run.stderr || run.stdout).trim()}`);
}

export async function measureCeilings(options: {
  versionDir: string;
  shape: TransformerShape;
  paddedLengths: readonly number[];
  settings: CeilingSettings;
  progress: Progress;
}): Promise<CeilingResult[]> {
  const results: CeilingResult[] = [];
  const layout = ceilingLayout(os.availableParallelism());
  for (const precision of MODEL_PRECISIONS) {
    options.progress.status(
      `ceiling: ONNX Runtime alone, ${precision}, ${layoutLabel(layout)}, batch ${options.settings.batchSizes.join("/")}`,
    );
    const ceiling = await measureCeiling({
      modelPath: path.join(options.versionDir, MODEL_FILES[precision]),
      modelFile: MODEL_FILES[precision],
      precision,
      shape: options.shape,
      paddedLengths: options.paddedLengths,
      settings: options.settings,
      layout,
    });
    options.progress.info(
      `ceiling ${precision} (${layoutLabel(ceiling.layout)}): batch 1 ${ceiling.batch1.sequencesPerSecond.toFixed(1)} seq/s (${ceiling.batch1.gflops.toFixed(0)} GFLOP/s); ` +
        `best batch ${ceiling.best.batchSize} ${ceiling.best.sequencesPerSecond.toFixed(1)} seq/s (${ceiling.best.gflops.toFixed(0)} GFLOP/s)`,
    );
    results.push(ceiling);
  }
  return results;
}

/** Each subject's GFLOP/s at its saturation point as a share of the ceiling of the precision it served. */
export function withCeilingShares(
  subjects: SubjectResult[],
  ceilings: readonly CeilingResult[],
): SubjectResult[] {
  return subjects.map((s) => {
    const ceiling = ceilings.find((c) => c.precision === s.server.precision);
    // The same GFLOP/s the summary table shows: saturation throughput × the mean GFLOP a request costs.
    const gflops =
      s.saturation && s.gflopsPerRequest !== null ? s.saturation.throughput * s.gflopsPerRequest : null;
    return { ...s, ceilingShare: shareOfCeiling(gflops, ceiling) };
  });
}
