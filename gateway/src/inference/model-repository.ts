/**
 * Resolves one model version in a Triton-layout repository: <repository>/<model>/<version>/{model.onnx,
 * tokenizer.json, model-info.json}. The tokenizer and the model info live inside the version folder so that a
 * rolling update can never pair a tokenizer with the wrong weights.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

/** How to create the files when they are missing; repeated in every error so the fix is one copy away. */
const HOW_TO_CREATE =
  "run `npm run setup` (writes the synthetic test models under .local/models) or generate/export a model into " +
  "MODEL_REPOSITORY (see triton-models/README.md)";

/** The fields of model-info.json the gateway relies on. Other fields are kept but not interpreted. */
export interface ModelInfoFile {
  name: string;
  version: string;
  synthetic: boolean;
  maxSequenceLength: number;
  /** sha256 (hex) of tokenizer.json, written by the generator/exporter. */
  tokenizerSha256?: string;
  size?: string;
  [key: string]: unknown;
}

export interface ModelArtifacts {
  /** The version folder, absolute. */
  directory: string;
  version: string;
  modelPath: string;
  tokenizerPath: string;
  tokenizerJson: unknown;
  /** tokenizer_config.json when present (optional for WordPiece tokenizers). */
  tokenizerConfig: Record<string, unknown>;
  /** sha256 (hex) of the tokenizer.json bytes as read. */
  tokenizerSha256: string;
  info: ModelInfoFile;
}

/** Highest numeric version folder under <repository>/<model>, or a clear error. */
export function highestVersion(modelDirectory: string): string {
  if (!existsSync(modelDirectory) || !statSync(modelDirectory).isDirectory()) {
    throw new Error(`model directory ${modelDirectory} does not exist; ${HOW_TO_CREATE}`);
  }
  const versions = readdirSync(modelDirectory, { withFileTypes: true })
    .filter((e) => e.isDirectory() && /^\d+$/.test(e.name))
    .map((e) => e.name)
    .sort((a, b) => Number(a) - Number(b));
  const highest = versions[versions.length - 1];
  if (highest === undefined) {
    throw new Error(`model directory ${modelDirectory} has no numeric version folder; ${HOW_TO_CREATE}`);
  }
  return highest;
}

function readJson(file: string, what: string): unknown {
  if (!existsSync(file)) {
    throw new Error(`${what} ${file} is missing; ${HOW_TO_CREATE}`);
  }
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`${what} ${file} is not valid JSON: ${(err as Error).message}`);
  }
}

function parseModelInfo(raw: unknown, file: string): ModelInfoFile {
  if (typeof raw !== "object" || raw === null) {
    throw new Error(`model info ${file} must be a JSON object`);
  }
  const info = raw as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof info.name !== "string") problems.push('"name" (string)');
  if (typeof info.version !== "string" && typeof info.version !== "number") problems.push('"version"');
  if (typeof info.synthetic !== "boolean") problems.push('"synthetic" (boolean)');
  if (!Number.isInteger(info.maxSequenceLength) || (info.maxSequenceLength as number) < 2) {
    problems.push('"maxSequenceLength" (integer >= 2)');
  }
  if (info.tokenizerSha256 !== undefined && typeof info.tokenizerSha256 !== "string") {
    problems.push('"tokenizerSha256" (hex string)');
  }
  if (problems.length > 0) {
    throw new Error(`model info ${file} lacks or has invalid ${problems.join(", ")}`);
  }
  return { ...info, version: String(info.version) } as ModelInfoFile;
}

/**
 * Reads the pinned version (or the highest present when `version` is undefined) and checks that the files agree
 * with each other: model-info.json names this model, and its tokenizer hash matches tokenizer.json.
 */
export function loadModelArtifacts(
  repository: string,
  modelName: string,
  version: string | undefined,
  options: { requireModelFile: boolean },
): ModelArtifacts {
  const modelDirectory = path.resolve(repository, modelName);
  if (version !== undefined && !/^\d+$/.test(version)) {
    throw new Error(`MODEL_VERSION "${version}" must be a positive integer (a Triton version folder)`);
  }
  const resolvedVersion = version ?? highestVersion(modelDirectory);
  const directory = path.join(modelDirectory, resolvedVersion);
  if (!existsSync(directory)) {
    throw new Error(`model version folder ${directory} does not exist; ${HOW_TO_CREATE}`);
  }
  const modelPath = path.join(directory, "model.onnx");
  if (options.requireModelFile && !existsSync(modelPath)) {
    throw new Error(`model file ${modelPath} is missing; ${HOW_TO_CREATE}`);
  }
  const tokenizerPath = path.join(directory, "tokenizer.json");
  if (!existsSync(tokenizerPath)) {
    throw new Error(`tokenizer ${tokenizerPath} is missing; ${HOW_TO_CREATE}`);
  }
  const tokenizerBytes = readFileSync(tokenizerPath);
  const tokenizerSha256 = createHash("sha256").update(tokenizerBytes).digest("hex");
  let tokenizerJson: unknown;
  try {
    tokenizerJson = JSON.parse(tokenizerBytes.toString("utf8"));
  } catch (err) {
    throw new Error(`tokenizer ${tokenizerPath} is not valid JSON: ${(err as Error).message}`);
  }
  const configPath = path.join(directory, "tokenizer_config.json");
  const tokenizerConfig = existsSync(configPath)
    ? (readJson(configPath, "tokenizer config") as Record<string, unknown>)
    : {};

  const infoPath = path.join(directory, "model-info.json");
  const info = parseModelInfo(readJson(infoPath, "model info"), infoPath);
  if (info.name !== modelName) {
    throw new Error(`model info ${infoPath} names model "${info.name}", expected "${modelName}"`);
  }
  if (info.tokenizerSha256 !== undefined && info.tokenizerSha256.toLowerCase() !== tokenizerSha256) {
    throw new Error(
      `tokenizer ${tokenizerPath} has sha256 ${tokenizerSha256} but ${infoPath} expects ${info.tokenizerSha256}: ` +
        "the tokenizer does not belong to this model version",
    );
  }
  return {
    directory,
    version: resolvedVersion,
    modelPath,
    tokenizerPath,
    tokenizerJson,
    tokenizerConfig,
    tokenizerSha256,
    info,
  };
}
