/**
 * One KServe v2 inference call for one bucket's texts: the [batch, bucket] tensors, the request (binary or
 * JSON), the answer decoded into predictions. What a failure means for the circuit breaker travels with the
 * error, so the caller decides about the breaker without re-reading the response.
 */
import type { BackendConfig, Prediction } from "../contracts";
import type { CallOutcome } from "./circuit-breaker";
import type { KServeHttpClient } from "./kserve-client";
import { decodeLogits, encodeInferRequest, HEADER_LENGTH } from "./kserve-codec";
import { buildInputTensors, predictionsFromLogits } from "./predictions";
import type { EncodedText } from "./tokenizer";
import { SERVER_READY_PATH } from "./triton-model-checks";
import { inferenceFailure } from "./triton-rejections";

export interface KServeModelTarget {
  client: KServeHttpClient;
  /** /v2/models/<name>/versions/<version> */
  modelPath: string;
  /** Names model and version in (logged) error messages. */
  what: string;
  binary: boolean;
  timeoutMs: number;
  padId: number;
}

export class KServeInferError extends Error {
  constructor(
    readonly error: Error,
    readonly outcome: CallOutcome,
  ) {
    super(error.message);
  }
}

/** Resolves with one prediction per item; rejects with KServeInferError for an answer other than 200. */
export async function inferBucket(
  target: KServeModelTarget,
  bucket: number,
  items: readonly EncodedText[],
  signal: AbortSignal | undefined,
  /** Triton's queue timeout for this request (µs): the caller's remaining budget. */
  timeoutUs: number | undefined,
): Promise<Prediction[]> {
  const { inputIds, attentionMask } = buildInputTensors(
    items.map((i) => i.ids),
    bucket,
    target.padId,
  );
  const request = encodeInferRequest(
    inputIds,
    attentionMask,
    [items.length, bucket],
    target.binary,
    timeoutUs,
  );
  const response = await target.client.send({
    method: "POST",
    path: `${target.modelPath}/infer`,
    body: request.body,
    headers: request.headers,
    timeoutMs: target.timeoutMs,
    signal,
  });
  if (response.status !== 200) {
    const failure = inferenceFailure(response, target.what);
    throw new KServeInferError(failure.error, failure.outcome);
  }
  const header = response.headers[HEADER_LENGTH];
  const logits = decodeLogits(response.body, Array.isArray(header) ? header[0] : header, items.length);
  return predictionsFromLogits(
    logits,
    items.length,
    items.map((i) => i.truncated),
  );
}

/** The latest of several callers' deadlines; undefined when any caller has none (it waits as long as it takes). */
export function latestDeadline(deadlines: readonly (number | undefined)[]): number | undefined {
  let latest: number | undefined;
  for (const deadline of deadlines) {
    if (deadline === undefined) return undefined;
    latest = Math.max(latest ?? deadline, deadline);
  }
  return latest;
}

/** A text waiting in the gateway's batcher for a Triton request, with its caller's deadline. */
export interface QueuedText {
  text: EncodedText;
  deadline: number | undefined;
}

/** The Triton version folder the gateway's tokenizer belongs to, and a usable timeout, or a clear error. */
export function pinnedVersion(config: BackendConfig): string {
  if (config.modelVersion === undefined || config.modelVersion === "") {
    throw new Error(
      "MODEL_VERSION is required with BACKEND=triton: pin the model version the gateway's tokenizer belongs to (e.g. MODEL_VERSION=1)",
    );
  }
  if (!/^\d+$/.test(config.modelVersion)) {
    throw new Error(
      `MODEL_VERSION "${config.modelVersion}" must be a positive integer (a Triton version folder)`,
    );
  }
  if (!Number.isInteger(config.triton.timeoutMs) || config.triton.timeoutMs < 1) {
    throw new Error(`TRITON_TIMEOUT_MS must be a positive integer, got ${String(config.triton.timeoutMs)}`);
  }
  return config.modelVersion;
}

/** Readiness as Triton reports it: the server and the pinned model version both answer 200. */
export async function serverAndModelReady(
  client: KServeHttpClient,
  modelPath: string,
  timeoutMs: number,
): Promise<boolean> {
  const [server, model] = await Promise.all([
    client.send({ method: "GET", path: SERVER_READY_PATH, timeoutMs }),
    client.send({ method: "GET", path: `${modelPath}/ready`, timeoutMs }),
  ]);
  return server.status === 200 && model.status === 200;
}
