/**
 * What the Triton backend verifies before it takes traffic: the server and the pinned model version are ready,
 * the model's tensors match the serving contract, batching is on, and the model was published with the same
 * tokenizer the gateway holds (the tokenizer hash parameter in its config).
 */
import type { Logger } from "pino";
import type { HttpResponse } from "./kserve-client";
import { contractMismatches, type TensorSpec } from "./model-contract";

/** The model config parameter that carries the sha256 of the tokenizer.json the model was exported with. */
export const TOKENIZER_SHA_PARAMETER = "tokenizer_sha256";
export const SERVER_READY_PATH = "/v2/health/ready";

interface ModelMetadata {
  name?: string;
  versions?: string[];
  inputs?: TensorSpec[];
  outputs?: TensorSpec[];
}

export interface ServedModelCheck {
  get(path: string): Promise<HttpResponse>;
  url: string;
  modelName: string;
  version: string;
  /** /v2/models/<name>/versions/<version> */
  modelPath: string;
  /** sha256 of the gateway's tokenizer.json for this version. */
  tokenizerSha256: string;
  logger?: Logger;
}

/** Throws a sentence naming what is wrong; returns the server's max_batch_size (Infinity when unstated). */
export async function verifyServedModel(c: ServedModelCheck): Promise<{ maxBatchSize: number }> {
  const where = `Triton at ${c.url}`;
  const model = `model "${c.modelName}" version ${c.version}`;

  const health = await c.get(SERVER_READY_PATH);
  if (health.status !== 200)
    throw new Error(`${where} is not ready (GET ${SERVER_READY_PATH} answered ${health.status})`);

  const modelReady = await c.get(`${c.modelPath}/ready`);
  if (modelReady.status !== 200) {
    throw new Error(
      `${model} is not ready on ${where} (HTTP ${modelReady.status}${errorText(modelReady)}); check MODEL_NAME/MODEL_VERSION and the server's model repository`,
    );
  }

  const metadataResponse = await c.get(c.modelPath);
  if (metadataResponse.status !== 200) {
    throw new Error(
      `${where} did not return metadata for ${model} (HTTP ${metadataResponse.status}${errorText(metadataResponse)})`,
    );
  }
  const metadata = parseJson<ModelMetadata>(metadataResponse, "model metadata");
  const problems = contractMismatches(metadata.inputs ?? [], metadata.outputs ?? []);
  if (problems.length > 0) {
    throw new Error(`${model} on ${where} does not match the serving contract: ${problems.join("; ")}`);
  }
  return checkModelConfig(c, `${model} on ${where}`);
}

/** Reads the model config for max_batch_size and the tokenizer hash the model was published with. */
async function checkModelConfig(c: ServedModelCheck, what: string): Promise<{ maxBatchSize: number }> {
  const response = await c.get(`${c.modelPath}/config`);
  if (response.status !== 200) {
    throw new Error(`${what}: GET config answered ${response.status}${errorText(response)}`);
  }
  const config = parseJson<{
    max_batch_size?: number;
    parameters?: Record<string, { string_value?: string }>;
  }>(response, "model config");
  let maxBatchSize = Number.POSITIVE_INFINITY;
  if (typeof config.max_batch_size === "number") {
    if (config.max_batch_size < 1) {
      throw new Error(
        `${what} has max_batch_size ${config.max_batch_size}; the contract needs batching (> 0)`,
      );
    }
    maxBatchSize = config.max_batch_size;
  }
  const remoteSha = config.parameters?.[TOKENIZER_SHA_PARAMETER]?.string_value;
  if (remoteSha === undefined) {
    c.logger?.warn(
      { parameter: TOKENIZER_SHA_PARAMETER },
      "Triton model config carries no tokenizer hash; the tokenizer/model pairing cannot be verified",
    );
  } else if (remoteSha.toLowerCase() !== c.tokenizerSha256) {
    throw new Error(
      `${what} was published with tokenizer sha256 ${remoteSha}, but the local tokenizer has ${c.tokenizerSha256}: ` +
        "the gateway's MODEL_REPOSITORY holds a different model version's tokenizer",
    );
  }
  return { maxBatchSize };
}

/** Triton's own error message from a JSON error body, for our error sentences; empty when there is none. */
export function errorText(response: HttpResponse): string {
  try {
    const parsed = JSON.parse(response.body.toString("utf8")) as { error?: unknown };
    if (typeof parsed.error === "string") return `: ${parsed.error.slice(0, 300)}`;
  } catch {
    // not JSON: fall through
  }
  return "";
}

function parseJson<T>(response: HttpResponse, what: string): T {
  try {
    return JSON.parse(response.body.toString("utf8")) as T;
  } catch {
    throw new Error(`Triton returned ${what} that is not valid JSON`);
  }
}
