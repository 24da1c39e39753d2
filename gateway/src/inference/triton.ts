/**
 * Inference through NVIDIA Triton over the KServe v2 HTTP protocol.
 *
 * The gateway tokenizes with the tokenizer of the pinned model version, pads each text to its sequence bucket
 * and sends the texts of one classify() call grouped by bucket (at most maxBatchSize per v2 request). It does
 * not hold requests back to coalesce them across calls: Triton's dynamic batcher already does that server-side
 * across every gateway replica, and a second queueing delay in the gateway would only add latency. Bucketing
 * is what makes Triton's batching work: requests from different callers arrive with identical shapes.
 */
import { performance } from "node:perf_hooks";
import type { Logger } from "pino";
import {
  type BackendConfig,
  BackendOverloadedError,
  type BackendStats,
  BackendUnavailableError,
  type InferenceBackend,
  type ModelInfo,
  type Prediction,
} from "../contracts";
import { DeadlineExceededError } from "../limits/deadline-exceeded";
import { chunksByBucket } from "./buckets";
import { CachedProbe } from "./cached-probe";
import { type CallOutcome, CircuitBreaker } from "./circuit-breaker";
import { type HttpResponse, KServeHttpClient } from "./kserve-client";
import { decodeLogits, encodeInferRequest, HEADER_LENGTH } from "./kserve-codec";
import { buildInputTensors, predictionsFromLogits } from "./predictions";
import { StartOnce } from "./start-once";
import type { EncodedText, SequenceTokenizer } from "./tokenizer";
import { SERVER_READY_PATH, verifyServedModel } from "./triton-model-checks";
import { inferenceFailure } from "./triton-rejections";
import { loadVersionTokenizer } from "./version-tokenizer";

export { TOKENIZER_SHA_PARAMETER } from "./triton-model-checks";

export interface TritonOptions {
  logger?: Logger;
  onBatch?: (size: number, bucket: number) => void;
  /** Consecutive failed calls that open the circuit. */
  circuitFailureThreshold?: number;
  /** How long an open circuit refuses calls before one probe is let through. */
  circuitCooldownMs?: number;
  /** How long a readiness answer is reused, so frequent /readyz probes cost at most one Triton call per period. */
  readinessCacheMs?: number;
  /** Keep-alive connections to Triton. */
  connections?: number;
  retryBaseDelayMs?: number;
}

export class TritonBackend implements InferenceBackend {
  readonly kind = "triton" as const;
  private readonly client: KServeHttpClient;
  private readonly breaker: CircuitBreaker;
  private readonly version: string;
  private readonly modelPath: string;
  private tokenizer: SequenceTokenizer | undefined;
  private info: ModelInfo | undefined;
  private serverMaxBatchSize = Number.POSITIVE_INFINITY;
  private started = false;
  private closed = false;
  private readonly starting = new StartOnce(() => this.connect());
  private readonly readiness: CachedProbe;
  private outstanding = 0;
  private inFlightCalls = new Set<Promise<unknown>>();
  private batches = 0;
  private batchedItems = 0;

  constructor(
    private readonly config: BackendConfig,
    private readonly options: TritonOptions = {},
  ) {
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
    this.version = config.modelVersion;
    this.modelPath = `/v2/models/${encodeURIComponent(config.modelName)}/versions/${encodeURIComponent(this.version)}`;
    this.client = new KServeHttpClient(config.triton.url, {
      retries: config.triton.retries,
      connections: options.connections,
      retryBaseDelayMs: options.retryBaseDelayMs,
      logger: options.logger,
    });
    this.readiness = new CachedProbe(() => this.probeReadiness(), options.readinessCacheMs ?? 1_000);
    this.breaker = new CircuitBreaker({
      failureThreshold: options.circuitFailureThreshold ?? 5,
      cooldownMs: options.circuitCooldownMs ?? 5_000,
    });
  }

  /** Connection-failure retries performed so far. */
  get retriesPerformed(): number {
    return this.client.retriesPerformed;
  }

  get circuitState() {
    return this.breaker.current;
  }

  start(): Promise<void> {
    return this.starting.run();
  }

  private async connect(): Promise<void> {
    const { modelName } = this.config;
    const { artifacts, buckets, tokenizer } = loadVersionTokenizer(this.config, { requireModelFile: false });
    this.tokenizer = tokenizer;
    const served = await verifyServedModel({
      get: (path) => this.get(path),
      url: this.client.url,
      modelName,
      version: this.version,
      modelPath: this.modelPath,
      tokenizerSha256: artifacts.tokenizerSha256,
      logger: this.options.logger,
    });
    this.serverMaxBatchSize = served.maxBatchSize;

    this.info = { name: modelName, version: this.version, synthetic: artifacts.info.synthetic };
    // One real inference proves the whole path (encoding, server, decoding) before the gateway takes traffic.
    const sample = tokenizer.encode("warm up");
    await this.infer(sample.bucket, [sample], undefined, undefined);
    this.started = true;
    this.options.logger?.info(
      {
        url: this.client.url,
        model: modelName,
        version: this.version,
        synthetic: this.info.synthetic,
        binary: this.config.triton.binary,
        buckets,
      },
      "Triton backend ready",
    );
  }

  private async get(path: string): Promise<HttpResponse> {
    return this.client.send({ method: "GET", path, timeoutMs: this.config.triton.timeoutMs });
  }

  async ready(): Promise<boolean> {
    if (!this.started || this.closed) return false;
    return (await this.readiness.check()) && !this.closed;
  }

  private async probeReadiness(): Promise<boolean> {
    const timeoutMs = Math.min(this.config.triton.timeoutMs, 1_000);
    const [server, model] = await Promise.all([
      this.client.send({ method: "GET", path: SERVER_READY_PATH, timeoutMs }),
      this.client.send({ method: "GET", path: `${this.modelPath}/ready`, timeoutMs }),
    ]);
    return server.status === 200 && model.status === 200;
  }

  modelInfo(): ModelInfo {
    if (this.info === undefined) throw new Error("modelInfo() called before start() finished");
    return this.info;
  }

  async classify(texts: readonly string[], signal?: AbortSignal, deadline?: number): Promise<Prediction[]> {
    if (this.closed) throw new BackendUnavailableError("inference backend is shutting down", "not_ready");
    if (!this.started || this.tokenizer === undefined) {
      throw new BackendUnavailableError("Triton backend is not started", "not_ready");
    }
    if (signal?.aborted) throw signal.reason;
    if (texts.length === 0) return [];
    if (this.outstanding + texts.length > this.config.batching.maxQueueSize) {
      throw new BackendOverloadedError(
        `too many texts waiting for Triton (${this.outstanding} of ${this.config.batching.maxQueueSize})`,
      );
    }
    const tokenizer = this.tokenizer;
    const encoded = texts.map((t) => tokenizer.encode(t));
    const chunkSize = Math.min(this.config.batching.maxBatchSize, this.serverMaxBatchSize);

    // If one part fails the others are cancelled: the caller gets one error, not a partial answer.
    const controller = new AbortController();
    const callSignal = signal ? AbortSignal.any([signal, controller.signal]) : controller.signal;
    const results = new Array<Prediction>(texts.length);
    const parts: Promise<void>[] = [];
    for (const { bucket, indices } of chunksByBucket(
      encoded.map((e) => e.bucket),
      chunkSize,
    )) {
      parts.push(
        this.infer(
          bucket,
          indices.map((i) => encoded[i] as EncodedText),
          callSignal,
          deadline,
        ).then((predictions) => {
          indices.forEach((index, k) => {
            results[index] = predictions[k] as Prediction;
          });
        }),
      );
    }
    this.outstanding += texts.length;
    const all = Promise.all(parts);
    this.inFlightCalls.add(all);
    try {
      await all;
      return results;
    } catch (err) {
      controller.abort();
      if (signal?.aborted) throw signal.reason;
      throw err;
    } finally {
      this.outstanding -= texts.length;
      this.inFlightCalls.delete(all);
    }
  }

  /** One v2 request for one bucket's texts, through the breaker; the budget left is Triton's timeout. */
  private async infer(
    bucket: number,
    items: EncodedText[],
    signal: AbortSignal | undefined,
    deadline: number | undefined,
  ): Promise<Prediction[]> {
    const timeoutUs = deadline === undefined ? undefined : Math.floor((deadline - performance.now()) * 1000);
    if (timeoutUs !== undefined && timeoutUs < 1) throw new DeadlineExceededError("backend_queue");
    if (!this.breaker.tryAcquire()) {
      const seconds = Math.ceil(this.breaker.retryAfterMs() / 1000);
      throw new BackendUnavailableError(
        `Triton circuit is open after repeated failures; next probe in ${seconds} s`,
        "circuit_open",
      );
    }
    let outcome: CallOutcome = "failure";
    try {
      const tokenizer = this.tokenizer as SequenceTokenizer;
      const { inputIds, attentionMask } = buildInputTensors(
        items.map((i) => i.ids),
        bucket,
        tokenizer.padId,
      );
      const request = encodeInferRequest(
        inputIds,
        attentionMask,
        [items.length, bucket],
        this.config.triton.binary,
        timeoutUs,
      );
      this.batches++;
      this.batchedItems += items.length;
      this.options.onBatch?.(items.length, bucket);
      const response = await this.client.send({
        method: "POST",
        path: `${this.modelPath}/infer`,
        body: request.body,
        headers: request.headers,
        timeoutMs: this.config.triton.timeoutMs,
        signal,
      });
      if (response.status !== 200) {
        const failure = inferenceFailure(
          response,
          `model "${this.config.modelName}" version ${this.version}`,
        );
        outcome = failure.outcome;
        throw failure.error;
      }
      const header = response.headers[HEADER_LENGTH];
      const logits = decodeLogits(response.body, Array.isArray(header) ? header[0] : header, items.length);
      outcome = "success";
      return predictionsFromLogits(
        logits,
        items.length,
        items.map((i) => i.truncated),
      );
    } catch (err) {
      if (signal?.aborted && !(err instanceof BackendUnavailableError)) outcome = "neutral";
      throw err;
    } finally {
      this.breaker.record(outcome);
    }
  }

  stats(): BackendStats {
    return { queueDepth: this.outstanding, batches: this.batches, batchedItems: this.batchedItems };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.starting.settled();
    await Promise.allSettled([...this.inFlightCalls]);
    await this.client.close();
  }
}
