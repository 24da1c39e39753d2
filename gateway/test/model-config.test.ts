/**
 * Triton model configs: one renderer (triton-models/tools/render-config.ts) produces every variant, and each
 * variant is parsed by Triton's own ModelConfig protobuf message (shipped in tritonclient), so a misspelled
 * field or enum value fails here instead of at model load in the cluster.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { REQUEST_DEADLINE } from "../src/deployment-contract";
import {
  CHECKOUT_MODEL_REPOSITORY,
  CUSTOM_CONFIGS_DIR,
  MODEL_INT8_FILE,
  modelDirectory,
  SERVED_MODEL_NAME,
} from "../src/inference/repository-layout";
import { REPO_ROOT, requireVenvPython } from "./support/synthetic-model";

const RENDERER = path.join(REPO_ROOT, "triton-models", "tools", "render-config.ts");
const VALIDATOR = path.join(REPO_ROOT, "triton-models", "tools", "validate_config.py");
const MODEL_DIR = modelDirectory(CHECKOUT_MODEL_REPOSITORY, SERVED_MODEL_NAME);

interface ParsedConfig {
  name: string;
  platform: string;
  max_batch_size: number;
  version_policy: { specific?: { versions: string[] } };
  input: { name: string; data_type: string; dims: string[] }[];
  output: { name: string; data_type: string; dims: string[] }[];
  instance_group: { kind: string; count: number }[];
  dynamic_batching?: {
    preferred_batch_size: number[];
    max_queue_delay_microseconds: string;
    default_queue_policy?: {
      timeout_action: string;
      default_timeout_microseconds: string;
      allow_timeout_override: boolean;
      max_queue_size: number;
    };
  };
  optimization?: {
    execution_accelerators: {
      gpu_execution_accelerator: { name: string; parameters: Record<string, string> }[];
    };
  };
  default_model_filename?: string;
  parameters: Record<string, { string_value: string }>;
  model_warmup: { name: string; batch_size: number }[];
}

function render(...args: string[]): string {
  const run = spawnSync(process.execPath, ["--import", "tsx", RENDERER, "--stdout", ...args], {
    cwd: REPO_ROOT,
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`render-config ${args.join(" ")} failed: ${run.stderr}`);
  return run.stdout;
}

/** Parses config text with Triton's ModelConfig message; returns the parsed config or the parser's error. */
function parseWithTriton(text: string): { ok: true; config: ParsedConfig } | { ok: false; error: string } {
  const run = spawnSync(requireVenvPython(), [VALIDATOR, "-"], { input: text, encoding: "utf8" });
  if (run.status !== 0 && run.status !== 1) throw new Error(`validate_config.py crashed: ${run.stderr}`);
  return JSON.parse(run.stdout) as { ok: true; config: ParsedConfig } | { ok: false; error: string };
}

function parsed(text: string): ParsedConfig {
  const result = parseWithTriton(text);
  if (!result.ok) assert.fail(`Triton's ModelConfig rejected the config: ${result.error}`);
  return result.config;
}

const tokenizerSha = createHash("sha256")
  .update(readFileSync(path.join(MODEL_DIR, "1", "tokenizer.json")))
  .digest("hex");

describe("Triton model config", () => {
  const gpu = render("--variant", "gpu");

  test("the committed config.pbtxt is exactly the renderer's GPU variant", () => {
    assert.equal(readFileSync(path.join(MODEL_DIR, "config.pbtxt"), "utf8"), gpu);
  });

  test("the GPU variant parses as Triton's ModelConfig and states the model contract", () => {
    const config = parsed(gpu);
    assert.equal(config.name, "distilbert_sst2");
    assert.equal(config.platform, "onnxruntime_onnx");
    assert.equal(config.max_batch_size, 16);
    assert.deepEqual(config.input, [
      { name: "input_ids", data_type: "TYPE_INT64", dims: ["-1"] },
      { name: "attention_mask", data_type: "TYPE_INT64", dims: ["-1"] },
    ]);
    assert.deepEqual(config.output, [{ name: "logits", data_type: "TYPE_FP32", dims: ["2"] }]);
    assert.deepEqual(config.instance_group, [{ kind: "KIND_GPU", count: 1 }]);
    assert.deepEqual(config.version_policy, { specific: { versions: ["1"] } });
    assert.equal(config.optimization, undefined, "TensorRT is off unless the stack asks for it");
  });

  test("dynamic batching prefers batches of 4, 8 and 16 and waits at most 2 ms for them", () => {
    const { preferred_batch_size, max_queue_delay_microseconds } = parsed(gpu).dynamic_batching ?? {};
    assert.deepEqual(preferred_batch_size, [4, 8, 16]);
    assert.equal(max_queue_delay_microseconds, "2000");
  });

  test("Triton's queue policy is rendered and validated: late requests are rejected, the queue is bounded, a request may shorten its timeout", () => {
    for (const text of [gpu, render("--variant", "cpu")]) {
      const policy = parsed(text).dynamic_batching?.default_queue_policy;
      assert.match(text, /timeout_action: REJECT\n/);
      // REJECT is the enum's zero value, which the protobuf-to-JSON conversion leaves out.
      assert.deepEqual(
        { timeout_action: "REJECT", ...policy },
        {
          timeout_action: "REJECT",
          default_timeout_microseconds: String(REQUEST_DEADLINE.defaultMs * 1000),
          allow_timeout_override: true,
          max_queue_size: 1024,
        },
      );
    }
  });

  test("a misspelled queue-policy action fails Triton's ModelConfig parse", () => {
    const result = parseWithTriton(gpu.replace("timeout_action: REJECT", "timeout_action: DROP"));
    assert.equal(result.ok, false);
    assert.match((result as { error: string }).error, /DROP/);
  });

  test("the config publishes the sha256 of the pinned version's tokenizer.json", () => {
    assert.deepEqual(parsed(gpu).parameters.tokenizer_sha256, { string_value: tokenizerSha });
  });

  test("warm-up runs one short request and one full batch before the model reports ready", () => {
    assert.deepEqual(
      parsed(gpu).model_warmup.map((w) => [w.name, w.batch_size]),
      [
        ["batch1_seq16", 1],
        ["batch16_seq128", 16],
      ],
    );
  });

  test("the TensorRT variant parses and asks for FP16 with an engine cache and one profile over all buckets", () => {
    const [accelerator] = parsed(render("--variant", "gpu", "--tensorrt-fp16")).optimization
      ?.execution_accelerators.gpu_execution_accelerator ?? [assert.fail("no GPU accelerator")];
    assert.equal(accelerator?.name, "tensorrt");
    assert.equal(accelerator?.parameters.precision_mode, "FP16");
    assert.equal(accelerator?.parameters.trt_engine_cache_enable, "1");
    assert.ok(accelerator?.parameters.trt_engine_cache_path);
    assert.equal(accelerator?.parameters.trt_profile_min_shapes, "input_ids:1x16,attention_mask:1x16");
    assert.equal(accelerator?.parameters.trt_profile_max_shapes, "input_ids:16x512,attention_mask:16x512");
  });

  test("the CPU variant parses and differs from the GPU one only in its instance group", () => {
    const cpuText = render("--variant", "cpu");
    assert.deepEqual(parsed(cpuText).instance_group, [{ kind: "KIND_CPU", count: 1 }]);
    assert.equal(cpuText.replace("KIND_CPU", "KIND_GPU"), gpu);
  });

  test("the CPU int8 variant parses and runs model.int8.onnx on CPU instances with ONNX Runtime, otherwise as the GPU model", () => {
    const text = render("--variant", "cpu-int8");
    const config = parsed(text);
    assert.equal(config.platform, "onnxruntime_onnx");
    assert.equal(config.default_model_filename, MODEL_INT8_FILE);
    assert.deepEqual(config.instance_group, [{ kind: "KIND_CPU", count: 1 }]);
    assert.deepEqual(config.dynamic_batching?.preferred_batch_size, [4, 8, 16]);
    assert.equal(
      text.replace("KIND_CPU", "KIND_GPU").replace(`default_model_filename: "${MODEL_INT8_FILE}"\n`, ""),
      gpu,
    );
  });

  test("the committed configs/cpu-int8.pbtxt (Triton's --model-config-name=cpu-int8) is exactly the int8 variant", () => {
    const committed = path.join(MODEL_DIR, CUSTOM_CONFIGS_DIR, "cpu-int8.pbtxt");
    assert.equal(readFileSync(committed, "utf8"), render("--variant", "cpu-int8"));
  });

  test("asking for TensorRT on the int8 CPU variant is refused", () => {
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", RENDERER, "--stdout", "--variant", "cpu-int8", "--tensorrt-fp16"],
      { cwd: REPO_ROOT, encoding: "utf8" },
    );
    assert.equal(run.status, 1);
    assert.match(run.stderr, /TensorRT FP16 needs a KIND_GPU instance group/);
  });

  test("the unbatched variants parse and carry no dynamic_batching block", () => {
    for (const variant of ["gpu", "cpu", "cpu-int8"]) {
      const config = parsed(render("--variant", variant, "--no-batching"));
      assert.equal(config.dynamic_batching, undefined, variant);
      assert.equal(config.max_batch_size, 16, "requests still carry a batch dimension");
    }
  });

  test("a misspelled field fails Triton's ModelConfig parse, naming the field", () => {
    const result = parseWithTriton(
      gpu.replace("max_queue_delay_microseconds", "max_queue_delay_microsecond"),
    );
    assert.equal(result.ok, false);
    assert.match((result as { error: string }).error, /has no field named "max_queue_delay_microsecond"/);
  });

  test("a misspelled enum value fails Triton's ModelConfig parse", () => {
    const result = parseWithTriton(gpu.replace("KIND_GPU", "KIND_GRAPHICS"));
    assert.equal(result.ok, false);
    assert.match((result as { error: string }).error, /KIND_GRAPHICS/);
  });

  test("asking for TensorRT on the CPU variant exits non-zero with one readable line", () => {
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", RENDERER, "--stdout", "--variant", "cpu", "--tensorrt-fp16"],
      { cwd: REPO_ROOT, encoding: "utf8" },
    );
    assert.equal(run.status, 1);
    assert.equal(
      run.stderr.trim(),
      "render-config: renderModelConfig: TensorRT FP16 needs a KIND_GPU instance group",
    );
  });
});
