/**
 * The stock config variants, all from the same options: the cluster's GPU model (fp32 ONNX, TensorRT FP16 when
 * the stack asks), the local CPU test model, and the CPU int8 model (Triton's ONNX Runtime backend on CPU
 * instances running the version's dynamically quantized file).
 */
import {
  CUSTOM_CONFIGS_DIR,
  MODEL_CONFIG_FILE,
  MODEL_INT8_FILE,
} from "../../../gateway/src/inference/repository-layout";
import type { ModelConfigOptions } from "./options";

export const CONFIG_VARIANTS = ["gpu", "cpu", "cpu-int8"] as const;
export type ConfigVariant = (typeof CONFIG_VARIANTS)[number];
/** What a Pulumi stack may serve (stack config `tritonModelVariant`): the GPU model or the CPU int8 one. */
export const STACK_MODEL_VARIANTS = ["gpu", "cpu-int8"] as const satisfies readonly ConfigVariant[];
export type StackModelVariant = (typeof STACK_MODEL_VARIANTS)[number];

export function variantOptions(variant: ConfigVariant, base: ModelConfigOptions): ModelConfigOptions {
  switch (variant) {
    case "gpu":
      return { ...base, instanceGroup: { kind: "KIND_GPU", count: 1 } };
    case "cpu":
      return { ...base, instanceGroup: { kind: "KIND_CPU", count: 1 } };
    case "cpu-int8":
      return {
        ...base,
        instanceGroup: { kind: "KIND_CPU", count: 1 },
        defaultModelFilename: MODEL_INT8_FILE,
      };
  }
}

/**
 * Where a variant's committed file lives in a model directory: the GPU config is the default config.pbtxt;
 * cpu-int8 is a Triton custom configuration (`tritonserver --model-config-name=cpu-int8`), so both sit in one
 * model directory over the same version folders. The local `cpu` variant replaces config.pbtxt in test copies.
 */
export function variantConfigPath(variant: ConfigVariant): string {
  return variant === "cpu-int8" ? `${CUSTOM_CONFIGS_DIR}/${variant}.pbtxt` : MODEL_CONFIG_FILE;
}
