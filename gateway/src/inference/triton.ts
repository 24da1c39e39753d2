/**
 * Inference through NVIDIA Triton over the KServe v2 HTTP protocol.
 *
 * The gateway tokenizes with the pinned version's tokenizer and pads each text to its bucket. With BATCHING on
 * (the default) it coalesces texts across calls in the per-bucket batcher the embedded backend uses and sends
 * one [batch, bucket] request per batch: Triton's dynamic batcher merges only equal shapes in arrival order and
 * stops at the first that differs, so single texts of mixed buckets reach it as batches of one or two
 * (docs/benchmarks.md, issue 13). Triton still merges the batches of several replicas. With BATCHING off each
 * call's texts go out at once, grouped by bucket, and batching is left to Triton.
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
import { DynamicBatcher } from "./batcher";
import { chunksByBucket } from "./buckets";
import { CachedProbe } from "./cached-probe";
import { type CallOutcome, CircuitBreaker } from "./circuit-breaker";
import { KServeHttpClient } from "./kserve-client";
import {
  inferBucket,
  KServeInferError,
  type KServeModelTarget,
  latestDeadline,
  pinnedVersion,
  type QueuedText as Queued,
  serverAndModelReady,
} from "./kserve-infer";
import { StartOnce } from "./start-once";
import type { EncodedText, SequenceTokenizer } from "./tokenizer";
import { verifyServedModel } from "./triton-model-checks";
import { loadVersionTokenizer } from "./version-tokenizer";

export { TOKENIZER_SHA_PARAMETER } from "./triton-model-checks";

/**
 * Batches one gateway keeps in flight to Triton: one running, one queued behind it, so the server never idles
 * between two of them while the gateway's queues keep filling.
 */
export const TRITON_BATCHES_IN_FLIGHT = 2;

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
  /** Batches in flight to Triton when the gateway coalesces (BATCHING on); default TRITON_BATCHES_IN_FLIGHT. */
  batchesInFlight?: number;
}

export class TritonBackend implements InferenceBackend {
  readonly kind = "triton" as const;
  private readonly client: KServeHttpClient;
  private readonly breaker: CircuitBreaker;
  private readonly version: string;
  private readonly modelPath: string;
  private tokenizer: SequenceTokenizer | undefined;
  private batcher: DynamicBatcher<Queued, Prediction> | undefined;
  private target: KServeModelTarget | undefined;
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
    this.version = pinnedVersion(config);
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
    this.target = {
      client: this.client,
      modelPath: this.modelPath,
      what: `model "${modelName}" version ${this.version}`,
      binary: this.config.triton.binary,
      timeoutMs: this.config.triton.timeoutMs,
      padId: tokenizer.padId,
    };
    const served = await verifyServedModel({
      get: (path) => this.client.send({ method: "GET", path, timeoutMs: this.config.triton.timeoutMs }),
      url: this.client.url,
      modelName,
      version: this.version,
      modelPath: this.modelPath,
      tokenizerSha256: artifacts.tokenizerSha256,
      logger: this.options.logger,
    });
    this.serverMaxBatchSize = served.maxBatchSize;
    const { batching } = this.config;
    if (batching.enabled) {
      this.batcher = new DynamicBatcher<Queued, Prediction>((bucket, items) => this.runBatch(bucket, items), {
        maxBatchSize: Math.min(batching.maxBatchSize, this.serverMaxBatchSize),
        maxQueueDelayMs: batching.maxQueueDelayMs,
        maxQueueSize: batching.maxQueueSize,
        concurrency: this.options.batchesInFlight ?? TRITON_BATCHES_IN_FLIGHT,
      });
    }

    this.info = { name: modelName, version: this.version, synthetic: artifacts.info.synthetic };
    // One real inference proves the whole path (encoding, server, decoding) before the gateway takes traffic.
    const sample = tokenizer.encode("warm up");
    await this.infer(sample.bucket, [sample], undefined, undefined);
    this.started = true;
    const { binary } = this.config.triton;
    const ready = { url: this.client.url, model: modelName, version: this.version, binary, buckets };
    this.options.logger?.info({ ...ready, synthetic: this.info.synthetic }, "Triton backend ready");
  }

  async ready(): Promise<boolean> {
    if (!this.started || this.closed) return false;
    return (await this.readiness.check()) && !this.closed;
  }

  private probeReadiness(): Promise<boolean> {
    return serverAndModelReady(this.client, this.modelPath, Math.min(this.config.triton.timeoutMs, 1_000));
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
    const tokenizer = this.tokenizer;
    if (this.batcher !== undefined) {
      const entries = texts.map((t) => {
        const text = tokenizer.encode(t);
        return { bucket: text.bucket, item: { text, deadline } };
      });
      return this.batcher.submit(entries, signal, deadline);
    }
    if (this.outstanding + texts.length > this.config.batching.maxQueueSize) {
      throw new BackendOverloadedError(
        `too many texts waiting for Triton (${this.outstanding} of ${this.config.batching.maxQueueSize})`,
      );
    }
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

  /** A batch the gateway formed: Triton may queue it for as long as its most patient caller can wait. */
  private runBatch(bucket: number, items: Queued[]): Promise<Prediction[]> {
    // Callers who leave are dropped by the batcher; the batch itself runs to the end for the others.
    const texts = items.map((i) => i.text);
    return this.infer(bucket, texts, undefined, latestDeadline(items.map((i) => i.deadline)));
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
      this.batches++;
      this.batchedItems += items.length;
      this.options.onBatch?.(items.length, bucket);
      const target = this.target as KServeModelTarget;
      const predictions = await inferBucket(target, bucket, items, signal, timeoutUs);
      outcome = "success";
      return predictions;
    } catch (err) {
      if (err instanceof KServeInferError) {
        outcome = err.outcome;
        throw err.error;
      }
      if (signal?.aborted && !(err instanceof BackendUnavailableError)) outcome = "neutral";
      throw err;
    } finally {
      this.breaker.record(outcome);
    }
  }

  stats(): BackendStats {
    const queueDepth = this.outstanding + (this.batcher?.stats().queueDepth ?? 0);
    return { queueDepth, batches: this.batches, batchedItems: this.batchedItems };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.starting.settled();
    await this.batcher?.close();
    await Promise.allSettled([...this.inFlightCalls]);
    await this.client.close();
  }
}
