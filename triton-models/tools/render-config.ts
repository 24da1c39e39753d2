/**
 * The one source of every Triton config.pbtxt for distilbert_sst2.
 *
 * `renderModelConfig(options)` returns protobuf text format for Triton's ModelConfig; the committed
 * triton-models/repository/distilbert_sst2/config.pbtxt is its GPU variant, the local test repository gets the CPU variant,
 * and the Pulumi stack renders its own (TensorRT FP16 on or off from the stack config `tensorrtFp16`).
 *
 *   npx tsx triton-models/tools/render-config.ts --variant gpu|cpu|cpu-int8 [--model-dir triton-models/repository/distilbert_sst2]
 *       [--version N] [--tensorrt-fp16] [--no-batching] [--check | --stdout]
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  CHECKOUT_MODEL_REPOSITORY,
  MODEL_INFO_FILE,
  modelDirectory,
  TOKENIZER_FILE,
} from "../../gateway/src/inference/repository-layout";

import {
  DEFAULT_MAX_BATCH_SIZE,
  DEFAULT_MAX_QUEUE_DELAY_US,
  DEFAULT_MAX_QUEUE_SIZE,
  DEFAULT_MAX_SEQUENCE_LENGTH,
  DEFAULT_PREFERRED_BATCH_SIZES,
  DEFAULT_QUEUE_TIMEOUT_US,
  DEFAULT_TRT_CACHE_PATH,
  MIN_SEQUENCE_BUCKET,
  MODEL_NAME,
  type ModelConfigOptions,
  TOKENIZER_SHA_PARAMETER,
} from "./model-config/options";
import { Enum, type Field, type Message, renderMessage } from "./model-config/pbtxt";
import {
  CONFIG_VARIANTS,
  type ConfigVariant,
  variantConfigPath,
  variantOptions,
} from "./model-config/variants";

export * from "./model-config/options";
export * from "./model-config/variants";

function fail(message: string): never {
  throw new Error(`renderModelConfig: ${message}`);
}

function positiveInteger(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) fail(`${what} must be a positive integer, got ${value}`);
  return value;
}

export function renderModelConfig(options: ModelConfigOptions): string {
  const name = options.name ?? MODEL_NAME;
  const maxBatchSize = positiveInteger(options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE, "maxBatchSize");
  const maxSequenceLength = positiveInteger(
    options.maxSequenceLength ?? DEFAULT_MAX_SEQUENCE_LENGTH,
    "maxSequenceLength",
  );
  const kind = options.instanceGroup?.kind ?? "KIND_GPU";
  const count = positiveInteger(options.instanceGroup?.count ?? 1, "instanceGroup.count");
  if (!/^[0-9a-f]{64}$/.test(options.tokenizerSha256))
    fail("tokenizerSha256 must be 64 lowercase hex digits");
  if (options.tensorrtFp16 && kind !== "KIND_GPU") fail("TensorRT FP16 needs a KIND_GPU instance group");

  const tensor = (tensorName: string, type: string, dims: number[]): Message => [
    ["name", tensorName],
    ["data_type", new Enum(type)],
    ["dims", dims],
  ];
  const config: Message = [
    ["name", name],
    ["platform", "onnxruntime_onnx"],
    ["max_batch_size", maxBatchSize],
  ];
  if (options.defaultModelFilename !== undefined) {
    if (!/^[\w.-]+\.onnx$/.test(options.defaultModelFilename))
      fail("defaultModelFilename must be a .onnx file name");
    config.push(["default_model_filename", options.defaultModelFilename]);
  }

  const policy = options.versionPolicy ?? { specific: [1] };
  if ("specific" in policy) {
    if (policy.specific.length === 0) fail("versionPolicy.specific needs at least one version");
    for (const v of policy.specific) positiveInteger(v, "versionPolicy.specific entry");
    config.push(["version_policy", [["specific", [["versions", [...policy.specific]]]]]]);
  } else {
    config.push([
      "version_policy",
      [["latest", [["num_versions", positiveInteger(policy.latest, "latest")]]]],
    ]);
  }

  // Batch dimension is implicit (max_batch_size > 0): each request is [batch, sequence] of INT64.
  config.push(["input", tensor("input_ids", "TYPE_INT64", [-1])]);
  config.push(["input", tensor("attention_mask", "TYPE_INT64", [-1])]);
  config.push(["output", tensor("logits", "TYPE_FP32", [2])]);
  config.push([
    "instance_group",
    [
      ["count", count],
      ["kind", new Enum(kind)],
    ],
  ]);

  if (options.dynamicBatching !== false) {
    const batching = options.dynamicBatching ?? {};
    // The default list is trimmed to maxBatchSize; an explicit list must already fit.
    const preferred = batching.preferredBatchSizes
      ? [...batching.preferredBatchSizes]
      : DEFAULT_PREFERRED_BATCH_SIZES.filter((size) => size <= maxBatchSize);
    for (const size of preferred) {
      if (positiveInteger(size, "preferred batch size") > maxBatchSize) {
        fail(`preferred batch size ${size} exceeds maxBatchSize ${maxBatchSize}`);
      }
    }
    const delay = batching.maxQueueDelayMicroseconds ?? DEFAULT_MAX_QUEUE_DELAY_US;
    if (!Number.isInteger(delay) || delay < 0) fail(`maxQueueDelayMicroseconds must be >= 0, got ${delay}`);
    const block: Message = preferred.map((size): Field => ["preferred_batch_size", size]);
    block.push(["max_queue_delay_microseconds", delay]);
    const queue = batching.queuePolicy ?? {};
    block.push([
      "default_queue_policy",
      [
        ["timeout_action", new Enum("REJECT")],
        [
          "default_timeout_microseconds",
          positiveInteger(queue.defaultTimeoutMicroseconds ?? DEFAULT_QUEUE_TIMEOUT_US, "queue timeout"),
        ],
        ["allow_timeout_override", true],
        ["max_queue_size", positiveInteger(queue.maxQueueSize ?? DEFAULT_MAX_QUEUE_SIZE, "maxQueueSize")],
      ],
    ]);
    config.push(["dynamic_batching", block]);
  }

  if (options.tensorrtFp16) {
    const trt = options.tensorrtFp16;
    const shapes = (batch: number, seq: number) => `input_ids:${batch}x${seq},attention_mask:${batch}x${seq}`;
    const parameter = (key: string, value: string): Field => [
      "parameters",
      [
        ["key", key],
        ["value", value],
      ],
    ];
    const accelerator: Message = [
      ["name", "tensorrt"],
      parameter("precision_mode", "FP16"),
      parameter("max_workspace_size_bytes", String(trt.maxWorkspaceSizeBytes ?? 2 ** 30)),
      parameter("trt_engine_cache_enable", "1"),
      parameter("trt_engine_cache_path", trt.engineCachePath ?? DEFAULT_TRT_CACHE_PATH),
      // One shape profile covering every bucket, so no new engine is built when a new shape arrives.
      parameter("trt_profile_min_shapes", shapes(1, Math.min(MIN_SEQUENCE_BUCKET, maxSequenceLength))),
      parameter("trt_profile_opt_shapes", shapes(maxBatchSize, Math.min(128, maxSequenceLength))),
      parameter("trt_profile_max_shapes", shapes(maxBatchSize, maxSequenceLength)),
    ];
    config.push(["optimization", [["execution_accelerators", [["gpu_execution_accelerator", accelerator]]]]]);
  }

  const stringParameter = (key: string, value: string): Field => [
    "parameters",
    [
      ["key", key],
      ["value", [["string_value", value]]],
    ],
  ];
  config.push(stringParameter(TOKENIZER_SHA_PARAMETER, options.tokenizerSha256));
  if (options.intraOpThreads !== undefined) {
    if (!Number.isInteger(options.intraOpThreads) || options.intraOpThreads < 0) {
      fail(`intraOpThreads must be >= 0, got ${options.intraOpThreads}`);
    }
    config.push(stringParameter("intra_op_thread_count", String(options.intraOpThreads)));
  }

  const warmup = options.warmup ?? [
    { batchSize: 1, sequenceLength: Math.min(MIN_SEQUENCE_BUCKET, maxSequenceLength) },
    { batchSize: maxBatchSize, sequenceLength: Math.min(128, maxSequenceLength) },
  ];
  for (const sample of warmup) {
    const batch = positiveInteger(sample.batchSize, "warmup batchSize");
    const seq = positiveInteger(sample.sequenceLength, "warmup sequenceLength");
    if (batch > maxBatchSize) fail(`warmup batch ${batch} exceeds maxBatchSize ${maxBatchSize}`);
    if (seq > maxSequenceLength)
      fail(`warmup sequence ${seq} exceeds maxSequenceLength ${maxSequenceLength}`);
    // Zeros are valid inputs: token id 0 is [PAD] and an all-zero mask is handled (uniform attention).
    const input = (key: string): Field => [
      "inputs",
      [
        ["key", key],
        [
          "value",
          [
            ["data_type", new Enum("TYPE_INT64")],
            ["dims", [seq]],
            ["zero_data", true],
          ],
        ],
      ],
    ];
    config.push([
      "model_warmup",
      [
        ["name", `batch${batch}_seq${seq}`],
        ["batch_size", batch],
        input("input_ids"),
        input("attention_mask"),
      ],
    ]);
  }

  const header =
    "# Generated by triton-models/tools/render-config.ts: do not edit by hand, change the options and re-render.\n";
  return header + renderMessage(config, "");
}

function highestVersion(modelDir: string): number {
  const versions = existsSync(modelDir)
    ? readdirSync(modelDir, { withFileTypes: true })
        .filter((e) => e.isDirectory() && /^[1-9]\d*$/.test(e.name))
        .map((e) => Number(e.name))
    : [];
  if (versions.length === 0) throw new Error(`${modelDir} has no numeric version folder`);
  return Math.max(...versions);
}

/** Options for a model directory on disk: the pinned version's tokenizer hash and maximum sequence length. */
export function optionsForModelDir(modelDir: string, version?: number): ModelConfigOptions {
  const pinned = version ?? highestVersion(modelDir);
  const versionDir = join(modelDir, String(pinned));
  const tokenizer = join(versionDir, TOKENIZER_FILE);
  if (!existsSync(tokenizer)) throw new Error(`${tokenizer} is missing`);
  const infoPath = join(versionDir, MODEL_INFO_FILE);
  const info = existsSync(infoPath)
    ? (JSON.parse(readFileSync(infoPath, "utf8")) as { maxSequenceLength?: number })
    : {};
  return {
    tokenizerSha256: createHash("sha256").update(readFileSync(tokenizer)).digest("hex"),
    versionPolicy: { specific: [pinned] },
    maxSequenceLength: info.maxSequenceLength ?? DEFAULT_MAX_SEQUENCE_LENGTH,
  };
}

function main(argv: string[]): void {
  const { values } = parseArgs({
    args: argv,
    options: {
      variant: { type: "string" },
      "model-dir": { type: "string" },
      version: { type: "string" },
      "tensorrt-fp16": { type: "boolean" },
      "no-batching": { type: "boolean" },
      check: { type: "boolean" },
      stdout: { type: "boolean" },
    },
    strict: true,
  });
  const variant = values.variant as ConfigVariant;
  if (!CONFIG_VARIANTS.includes(variant))
    throw new Error(`--variant must be one of ${CONFIG_VARIANTS.join(", ")}`);
  if (values.version !== undefined && !/^[1-9]\d*$/.test(values.version)) {
    throw new Error("--version must be a positive integer");
  }
  const modelDir = resolve(values["model-dir"] ?? modelDirectory(CHECKOUT_MODEL_REPOSITORY, MODEL_NAME));
  const base = optionsForModelDir(
    modelDir,
    values.version === undefined ? undefined : Number(values.version),
  );
  const options = variantOptions(variant, {
    ...base,
    tensorrtFp16: values["tensorrt-fp16"] ? {} : false,
    dynamicBatching: values["no-batching"] ? false : undefined,
  });
  const text = renderModelConfig(options);
  if (values.stdout) {
    process.stdout.write(text);
    return;
  }
  const target = join(modelDir, variantConfigPath(variant));
  if (values.check) {
    const current = existsSync(target) ? readFileSync(target, "utf8") : "";
    if (current !== text) throw new Error(`${target} is out of date: re-run without --check`);
    console.log(`render-config: ${target} is up to date`);
    return;
  }
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  console.log(`render-config: wrote ${target} (${variant})`);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    console.error(`render-config: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
