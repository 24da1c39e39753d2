/**
 * The Triton model configuration this stack serves: rendered from the repository's one source
 * (triton-models/tools/render-config.ts) with the stack's batch size, pinned version and TensorRT setting,
 * so `tensorrtFp16` and `maxBatchSize` reach Triton instead of only the committed GPU default. The stack config
 * `tritonModelVariant` picks the GPU model (model.onnx) or the CPU int8 one (model.int8.onnx, KIND_CPU); the
 * rendered file replaces config.pbtxt in the upload, so Triton needs no --model-config-name.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { MODEL_INT8_FILE, versionDirectory } from "../gateway/src/inference/repository-layout";
import { optionsForModelDir, renderModelConfig, variantOptions } from "../triton-models/tools/render-config";
import type { WorkloadConfig } from "./config";

type TritonModelSettings = Pick<
  WorkloadConfig["triton"],
  "modelName" | "modelVersion" | "maxBatchSize" | "tensorrtFp16" | "modelVariant"
>;

export interface RenderedModelConfig {
  /** Path of config.pbtxt relative to the model repository root. */
  relativePath: string;
  content: string;
}

export function renderTritonModelConfig(
  repositoryPath: string,
  triton: TritonModelSettings,
): RenderedModelConfig {
  const modelDir = path.join(repositoryPath, triton.modelName);
  const content = renderModelConfig({
    ...variantOptions(triton.modelVariant, optionsForModelDir(modelDir, Number(triton.modelVersion))),
    name: triton.modelName,
    maxBatchSize: triton.maxBatchSize,
    tensorrtFp16: triton.tensorrtFp16 ? {} : false,
  });
  return { relativePath: `${triton.modelName}/config.pbtxt`, content };
}

/**
 * The file the selected variant serves must be in the repository before anything is planned: without it Triton
 * would start with the model unavailable in every environment, and dev's warn-and-deploy for a missing fp32
 * model (a fresh clone's preview) does not apply to a variant someone chose on purpose.
 */
export function requireVariantModelFile(repositoryPath: string, triton: TritonModelSettings): void {
  if (triton.modelVariant !== "cpu-int8") return;
  const file = path.join(
    versionDirectory(repositoryPath, triton.modelName, triton.modelVersion),
    MODEL_INT8_FILE,
  );
  if (!fs.existsSync(file)) {
    throw new pulumi.RunError(
      `tritonModelVariant cpu-int8 serves ${file}, which does not exist; quantize the version first (triton-models/tools/quantize-version.sh ${path.dirname(file)}, see docs/models.md) or set tritonModelVariant gpu`,
    );
  }
}
