/**
 * The config.pbtxt the stack uploads is rendered from the one source with the stack's settings; the stack
 * config `tritonModelVariant` picks the GPU model or the CPU int8 one.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { renderTritonModelConfig } from "../components/triton-model-config";
import {
  CHECKOUT_MODEL_REPOSITORY,
  CUSTOM_CONFIGS_DIR,
  MODEL_INT8_FILE,
} from "../gateway/src/inference/repository-layout";
import { STACK_MODEL_VARIANTS } from "../triton-models/tools/model-config/variants";

const base = { modelName: "distilbert_sst2", modelVersion: "1", maxBatchSize: 16, tensorrtFp16: false };
const committed = (file: string) =>
  readFileSync(path.join(CHECKOUT_MODEL_REPOSITORY, "distilbert_sst2", file), "utf8");

describe("the Triton model config the stack uploads", () => {
  test("a stack may serve the GPU model or the CPU int8 one, nothing else", () => {
    expect([...STACK_MODEL_VARIANTS]).toEqual(["gpu", "cpu-int8"]);
  });

  test("the gpu variant with the default settings is the committed config.pbtxt, uploaded in its place", () => {
    const rendered = renderTritonModelConfig(CHECKOUT_MODEL_REPOSITORY, { ...base, modelVariant: "gpu" });
    expect(rendered.relativePath).toBe("distilbert_sst2/config.pbtxt");
    expect(rendered.content).toBe(committed("config.pbtxt"));
  });

  test("the cpu-int8 variant is the committed custom configuration, uploaded as config.pbtxt so Triton serves it by default", () => {
    const rendered = renderTritonModelConfig(CHECKOUT_MODEL_REPOSITORY, {
      ...base,
      modelVariant: "cpu-int8",
    });
    expect(rendered.relativePath).toBe("distilbert_sst2/config.pbtxt");
    expect(rendered.content).toBe(committed(`${CUSTOM_CONFIGS_DIR}/cpu-int8.pbtxt`));
    expect(rendered.content).toContain(`default_model_filename: "${MODEL_INT8_FILE}"`);
    expect(rendered.content).toMatch(/kind: KIND_CPU/);
  });

  test("TensorRT FP16 with the CPU int8 model is refused at render time", () => {
    expect(() =>
      renderTritonModelConfig(CHECKOUT_MODEL_REPOSITORY, {
        ...base,
        tensorrtFp16: true,
        modelVariant: "cpu-int8",
      }),
    ).toThrow("TensorRT FP16 needs a KIND_GPU instance group");
  });
});
