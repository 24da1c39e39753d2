/**
 * Deterministic synthetic DistilBERT SST-2 model for a Triton-layout version directory.
 *
 *   npx tsx triton-models/tools/generate-model.ts --size tiny|base --out <version dir> [--seed N]
 *       [--tokenizer <tokenizer.json; default: the committed one>] [--model-version 1]
 *
 * Writes <out>/model.onnx, <out>/tokenizer.json (copied) and <out>/model-info.json. The same size and seed
 * always give the same model.onnx bytes. The weights are random: predictions are meaningless, and
 * model-info.json says `"synthetic": true` so everything downstream can report it.
 */
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  CHECKOUT_TOKENIZER,
  MODEL_FILE,
  MODEL_INFO_FILE,
  SERVED_MODEL_NAME,
  TOKENIZER_FILE,
} from "../../gateway/src/inference/repository-layout";
import { buildDistilBertGraph } from "./model/distilbert-graph";
import { writeOnnxModel } from "./model/onnx-writer";
import { flopsPerToken, isModelSize, MODEL_SIZES, type ModelSize, parameterCount } from "./model/sizes";

export const MODEL_NAME = SERVED_MODEL_NAME;
export const DEFAULT_SEED = 20240917;
export const DEFAULT_TOKENIZER = CHECKOUT_TOKENIZER;
const GENERATOR = "triton-models/tools/generate-model.ts";

/** The model-info.json written next to every model.onnx (synthetic or exported). */
export interface ModelInfoFile {
  name: string;
  version: string;
  synthetic: boolean;
  /** Synthetic models: "tiny" | "base"; exported ones: the Hugging Face model id. */
  size?: string;
  source?: string;
  seed?: number;
  maxSequenceLength: number;
  vocabSize: number;
  hiddenSize: number;
  layers: number;
  heads: number;
  ffnSize: number;
  labels: ["NEGATIVE", "POSITIVE"];
  inputs: { name: string; datatype: "INT64"; dims: [-1, -1] }[];
  outputs: { name: string; datatype: "FP32"; dims: [-1, 2] }[];
  opset: number;
  params: number;
  flopsPerToken?: { linear: number; attentionPerPosition: number };
  tokenizerSha256: string;
  modelSha256: string;
  modelBytes: number;
  generator: string;
}

export interface GenerateOptions {
  size: ModelSize;
  outDir: string;
  seed?: number;
  tokenizerPath?: string;
  modelVersion?: string;
}

export interface GenerateResult {
  info: ModelInfoFile;
  modelPath: string;
  seconds: number;
}

/**
 * JSON.stringify with two-space indent, but arrays of plain values on one line: the layout Biome (`npm run lint`)
 * gives JSON files, so a generated model-info.json can be committed as is.
 */
export function formatJson(value: unknown): string {
  const expanded = JSON.stringify(value, null, 2);
  return `${expanded.replace(/\[\s*([^[\]{}]*?)\s*\]/g, (_, items: string) => `[${items.split(/,\s*/).join(", ")}]`)}\n`;
}

function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

function tokenizerVocabSize(path: string): number {
  const parsed = JSON.parse(readFileSync(path, "utf8")) as { model?: { type?: string; vocab?: object } };
  if (parsed.model?.type !== "WordPiece" || !parsed.model.vocab) {
    throw new Error(`${path} is not a WordPiece tokenizer.json`);
  }
  const added = (parsed as { added_tokens?: { id: number }[] }).added_tokens ?? [];
  const ids = [...Object.values(parsed.model.vocab), ...added.map((t) => t.id)] as number[];
  return Math.max(...ids) + 1;
}

export function generateModel(options: GenerateOptions): GenerateResult {
  const started = process.hrtime.bigint();
  const shape = MODEL_SIZES[options.size];
  const seed = options.seed ?? DEFAULT_SEED;
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new Error(`seed must be an integer in [0, 4294967295], got ${seed}`);
  }
  const tokenizerPath = options.tokenizerPath ?? DEFAULT_TOKENIZER;
  if (!existsSync(tokenizerPath)) throw new Error(`tokenizer not found: ${tokenizerPath}`);
  const vocab = tokenizerVocabSize(tokenizerPath);
  if (vocab !== shape.vocabSize) {
    throw new Error(
      `tokenizer ${tokenizerPath} has ${vocab} ids but the ${options.size} model has ${shape.vocabSize}`,
    );
  }
  const version =
    options.modelVersion ?? (/^[1-9]\d*$/.test(basename(options.outDir)) ? basename(options.outDir) : "1");

  mkdirSync(options.outDir, { recursive: true });
  const tokenizerOut = join(options.outDir, TOKENIZER_FILE);
  if (resolve(tokenizerOut) !== resolve(tokenizerPath)) copyFileSync(tokenizerPath, tokenizerOut);
  const tokenizerSha256 = sha256File(tokenizerOut);

  const { graph, initializers } = buildDistilBertGraph(shape, seed);
  const modelPath = join(options.outDir, MODEL_FILE);
  const written = writeOnnxModel(modelPath, {
    header: {
      irVersion: 8,
      opsetImport: [{ domain: "", version: 17 }],
      producerName: "clinical-inference generate-model.ts",
      producerVersion: "1",
      modelVersion: Number(version),
      docString: `SYNTHETIC DistilBERT (${options.size}, seed ${seed}): random weights, predictions are meaningless.`,
      metadataProps: [
        { key: "synthetic", value: "true" },
        { key: "size", value: options.size },
        { key: "seed", value: String(seed) },
        { key: "tokenizer_sha256", value: tokenizerSha256 },
      ],
    },
    graph,
    initializers,
  });

  const info: ModelInfoFile = {
    name: MODEL_NAME,
    version,
    synthetic: true,
    size: options.size,
    seed,
    maxSequenceLength: shape.maxPositions,
    vocabSize: shape.vocabSize,
    hiddenSize: shape.hiddenSize,
    layers: shape.layers,
    heads: shape.heads,
    ffnSize: shape.ffnSize,
    labels: ["NEGATIVE", "POSITIVE"],
    inputs: [
      { name: "input_ids", datatype: "INT64", dims: [-1, -1] },
      { name: "attention_mask", datatype: "INT64", dims: [-1, -1] },
    ],
    outputs: [{ name: "logits", datatype: "FP32", dims: [-1, 2] }],
    opset: 17,
    params: parameterCount(shape),
    flopsPerToken: flopsPerToken(shape),
    tokenizerSha256,
    modelSha256: written.sha256,
    modelBytes: written.bytes,
    generator: GENERATOR,
  };
  writeFileSync(join(options.outDir, MODEL_INFO_FILE), formatJson(info));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { info, modelPath, seconds };
}

function main(argv: string[]): void {
  const { values } = parseArgs({
    args: argv,
    options: {
      size: { type: "string" },
      out: { type: "string" },
      seed: { type: "string" },
      tokenizer: { type: "string" },
      "model-version": { type: "string" },
    },
    strict: true,
  });
  if (!values.size || !isModelSize(values.size)) {
    throw new Error(`--size must be one of ${Object.keys(MODEL_SIZES).join(", ")}`);
  }
  if (!values.out) throw new Error("--out <version directory> is required");
  if (values.seed !== undefined && !/^\d+$/.test(values.seed))
    throw new Error("--seed must be a non-negative integer");
  if (values["model-version"] !== undefined && !/^[1-9]\d*$/.test(values["model-version"])) {
    throw new Error("--model-version must be a positive integer (a Triton version directory name)");
  }
  const result = generateModel({
    size: values.size,
    outDir: values.out,
    seed: values.seed === undefined ? undefined : Number(values.seed),
    tokenizerPath: values.tokenizer,
    modelVersion: values["model-version"],
  });
  const { info } = result;
  console.log(
    `generate-model: wrote ${relative(process.cwd(), result.modelPath)} (SYNTHETIC ${info.size}, seed ${info.seed}, ` +
      `${info.params.toLocaleString("en-US")} params, ${(info.modelBytes / 2 ** 20).toFixed(1)} MiB, ` +
      `sha256 ${info.modelSha256.slice(0, 12)}, ${result.seconds.toFixed(1)} s)`,
  );
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    console.error(`generate-model: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
