/** The model a local run measures: generated when the default repository has none, and its shape. */
import { existsSync } from "node:fs";
import path from "node:path";
import { SERVED_MODEL_NAME } from "../../gateway/src/inference/repository-layout";
import { generateModel } from "../../triton-models/tools/generate-model";
import type { TransformerShape } from "./flops";
import type { Progress } from "./progress";

export const MODEL_NAME = SERVED_MODEL_NAME;
const REPO_ROOT = path.resolve(__dirname, "..", "..");

export function shapeOf(info: Record<string, unknown>): TransformerShape | null {
  const num = (k: string) => (typeof info[k] === "number" ? (info[k] as number) : undefined);
  const dim = num("hiddenSize");
  const layers = num("layers");
  const heads = num("heads");
  const ffn = num("ffnSize");
  const labels = Array.isArray(info.labels) ? info.labels.length : 2;
  if (!dim || !layers || !heads || !ffn) return null;
  return { dim, layers, heads, ffn, numLabels: labels };
}

/** The synthetic full-size model in a git-ignored folder, generated once (about 5 s, 255 MiB). */
export function ensureModel(repository: string, isDefault: boolean, progress: Progress): void {
  const versionDir = path.join(repository, MODEL_NAME, "1");
  if (existsSync(path.join(versionDir, "model.onnx"))) return;
  if (!isDefault) {
    throw new Error(`--model-repository ${repository} has no ${MODEL_NAME}/1/model.onnx`);
  }
  progress.status(`generating the synthetic full-size model into ${path.relative(REPO_ROOT, versionDir)}`);
  const { info } = generateModel({ size: "base", outDir: versionDir });
  progress.info(`generated synthetic ${info.size} model (${info.params.toLocaleString("en-US")} parameters)`);
}
