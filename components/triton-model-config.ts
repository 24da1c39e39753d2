/**
 * The Triton model configuration this stack serves: rendered from the repository's one source
 * (triton-models/tools/render-config.ts) with the stack's batch size, pinned version and TensorRT setting,
 * so `tensorrtFp16` and `maxBatchSize` reach Triton instead of only the committed GPU default. The stack config
 * `tritonModelVariant` picks the GPU model (model.onnx) or the CPU int8 one (model.int8.onnx, KIND_CPU); the
 * rendered file replaces config.pbtxt in the upload, so Triton needs no --model-config-name.
 */
import * as path from "node:path";
import { optionsForModelDir, renderModelConfig, variantOptions } from "../triton-models/tools/render-config";
import type { WorkloadConfig } from "./config";

export interface RenderedModelConfig {
  /** Path of config.pbtxt relative to the model repository root. */
  relativePath: string;
  content: string;
}

export function renderTritonModelConfig(
  repositoryPath: string,
  triton: Pick<
    WorkloadConfig["triton"],
    "modelName" | "modelVersion" | "maxBatchSize" | "tensorrtFp16" | "modelVariant"
  >,
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
