/**
 * In-process inference with ONNX Runtime: the gateway tokenizes, batches per bucket and runs the model itself,
 * on a worker thread (ort-worker.ts) so that a computing batch does not block the event loop.
 * With batching disabled every request runs alone, which is the web-framework baseline the benchmark compares
 * against (one forward pass per HTTP request).
 */
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Logger } from "pino";
import {
  type BackendConfig,
  type BackendStats,
  BackendUnavailableError,
  type InferenceBackend,
  type ModelInfo,
  type Prediction,
} from "../contracts";
import { DEFAULT_MODEL_PRECISION, GATEWAY_ENV } from "../deployment-contract";
import { DynamicBatcher } from "./batcher";
import { contractMismatches } from "./model-contract";
import { intraOpThreadsPerSession, OrtSessionPool } from "./ort-session-pool";
import { ORT_WORKER_ENTRY, OrtWorker } from "./ort-worker";
import { OrtWorkerSupervisor, type RestartPolicy, type WorkerRestartOutcome } from "./ort-worker-supervisor";
import { buildInputTensors, predictionsFromLogits } from "./predictions";
import { MODEL_FILES } from "./repository-layout";
import { StartOnce } from "./start-once";
import type { EncodedText, SequenceTokenizer } from "./tokenizer";
import { loadVersionTokenizer } from "./version-tokenizer";

/** Warm-up runs one forward pass per bucket up to this length; longer buckets are rare and costly to warm. */
export const WARMUP_MAX_BUCKET = 128;

export interface EmbeddedOptions {
  logger?: Logger;
  onBatch?: (size: number, bucket: number) => void;
  onSojourn?: (waitedMs: number) => void;
  /** Batches running at once; default one per session (ORT_SESSIONS), each session runs one at a time. */
  concurrency?: number;
  /** The inference worker's code; tests substitute one that dies to show a crash is reported, not hung. */
  workerEntry?: string;
  /** How a crashed worker is restarted (DEFAULT_RESTART_POLICY unless a test needs it faster). */
  restartPolicy?: RestartPolicy;
  /** Called once per crashed worker: a new one serves, or the supervisor gave up (/healthz now fails). */
  onWorkerRestart?: (outcome: WorkerRestartOutcome) => void;
}

export class EmbeddedBackend implements InferenceBackend {
  readonly kind = "embedded" as const;
  private sessions: OrtSessionPool<OrtWorker> | undefined;
  private tokenizer: SequenceTokenizer | undefined;
  private batcher: DynamicBatcher<EncodedText, Prediction> | undefined;
  private info: ModelInfo | undefined;
  private warmedUp = false;
  private closed = false;
  private readonly starting = new StartOnce(() => this.load());

  constructor(
    private readonly config: BackendConfig,
    private readonly options: EmbeddedOptions = {},
  ) {}

  start(): Promise<void> {
    return this.starting.run();
  }

  private async load(): Promise<void> {
    const { artifacts, buckets, tokenizer } = loadVersionTokenizer(this.config, { requireModelFile: true });
    this.tokenizer = tokenizer;

    const { interOpThreads } = this.config.embedded;
    const sessionCount = this.config.embedded.sessions ?? 1;
    const intraOpThreads = intraOpThreadsPerSession(
      this.config.embedded.intraOpThreads,
      sessionCount,
      os.availableParallelism(),
    );
    const precision = this.config.embedded.precision ?? DEFAULT_MODEL_PRECISION;
    const modelPath = path.join(path.dirname(artifacts.modelPath), MODEL_FILES[precision]);
    if (!existsSync(modelPath)) {
      throw new Error(
        `${GATEWAY_ENV.MODEL_PRECISION}=${precision} needs ${modelPath}, which is missing: run ` +
          `\`bash triton-models/tools/quantize-version.sh ${path.dirname(modelPath)}\` (it quantizes model.onnx) or set ` +
          `${GATEWAY_ENV.MODEL_PRECISION}=fp32`,
      );
    }
    this.info = {
      name: this.config.modelName,
      version: artifacts.version,
      synthetic: artifacts.info.synthetic,
      precision,
    };
    const { batching } = this.config;
    this.batcher = new DynamicBatcher<EncodedText, Prediction>((bucket, items) => this.run(bucket, items), {
      maxBatchSize: batching.enabled ? batching.maxBatchSize : 1,
      maxQueueDelayMs: batching.enabled ? batching.maxQueueDelayMs : 0,
      maxQueueSize: batching.maxQueueSize,
      concurrency: this.options.concurrency ?? sessionCount,
      onBatch: this.options.onBatch,
      onSojourn: this.options.onSojourn,
    });
    const logger = this.options.logger;
    const supervisorFor = (session: number) =>
      new OrtWorkerSupervisor(
        {
          open: (onStopped) =>
            OrtWorker.open(
              { modelPath, intraOpThreads, interOpThreads },
              onStopped,
              this.options.workerEntry ?? ORT_WORKER_ENTRY,
            ).catch((err: Error) => {
              throw new Error(`ONNX Runtime could not load ${modelPath}: ${err.message}`);
            }),
          prepare: async (worker) => {
            const problems = contractMismatches(worker.inputs, worker.outputs);
            if (problems.length > 0) {
              throw new Error(
                `model ${modelPath} does not match the serving contract: ${problems.join("; ")}`,
              );
            }
            try {
              await this.warmUp(worker, buckets);
            } catch (err) {
              throw new Error(`warm-up of ${modelPath} failed: ${(err as Error).message}`);
            }
          },
          onCrash: (reason, restartInMs) => {
            if (restartInMs === undefined) {
              logger?.fatal(
                { reason, session },
                "embedded inference worker crashed too often; /healthz now fails",
              );
              this.options.onWorkerRestart?.("gave_up");
            } else {
              logger?.error(
                { reason, restartInMs, session },
                "embedded inference worker stopped; restarting",
              );
            }
          },
          onRestarted: (restarts) => {
            logger?.warn({ restarts, session }, "embedded inference worker restarted");
            this.options.onWorkerRestart?.("restarted");
          },
        },
        this.options.restartPolicy,
      );
    const supervisors = Array.from({ length: sessionCount }, (_, i) => supervisorFor(i));
    const started = await Promise.allSettled(supervisors.map((s) => s.start()));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed !== undefined) {
      await Promise.all(supervisors.map((s) => s.close()));
      throw failed.reason;
    }
    this.sessions = new OrtSessionPool(supervisors);
    this.warmedUp = true;
    this.options.logger?.info(
      {
        model: this.info.name,
        version: this.info.version,
        synthetic: this.info.synthetic,
        precision,
        sessions: sessionCount,
        intraOpThreads,
        buckets,
        batching: batching.enabled
          ? { maxBatchSize: batching.maxBatchSize, maxQueueDelayMs: batching.maxQueueDelayMs }
          : false,
      },
      "embedded ONNX Runtime backend ready",
    );
  }

  /** The first run of each input shape allocates and plans memory; do it before taking traffic. */
  private async warmUp(worker: OrtWorker, buckets: readonly number[]): Promise<void> {
    const tokenizer = this.tokenizer as SequenceTokenizer;
    const sample = tokenizer.encode("warm up");
    const warmBuckets = buckets.filter((b, i) => i === 0 || b <= WARMUP_MAX_BUCKET);
    for (const bucket of warmBuckets) {
      await this.runOn(worker, bucket, [{ ...sample, bucket }]);
    }
  }

  private async run(bucket: number, items: EncodedText[]): Promise<Prediction[]> {
    const sessions = this.sessions;
    if (sessions === undefined) throw new BackendUnavailableError("model session is released", "not_ready");
    // A batch formed while every worker restarts fails like the runs the crash took with it: 503, no hang.
    return sessions.run((worker) => this.runOn(worker, bucket, items));
  }

  private async runOn(worker: OrtWorker, bucket: number, items: EncodedText[]): Promise<Prediction[]> {
    const tokenizer = this.tokenizer as SequenceTokenizer;
    const { inputIds, attentionMask } = buildInputTensors(
      items.map((i) => i.ids),
      bucket,
      tokenizer.padId,
    );
    const logits = await worker.run(inputIds, attentionMask, items.length, bucket);
    return predictionsFromLogits(
      logits,
      items.length,
      items.map((i) => i.truncated),
    );
  }

  async ready(): Promise<boolean> {
    return this.warmedUp && !this.closed && this.sessions?.serving === true;
  }

  /** False once a worker crashed more often than its restart policy allows: /healthz fails. */
  live(): boolean {
    return this.sessions?.live !== false;
  }

  modelInfo(): ModelInfo {
    if (this.info === undefined) {
      throw new Error("modelInfo() called before start() finished");
    }
    return this.info;
  }

  async classify(texts: readonly string[], signal?: AbortSignal, deadline?: number): Promise<Prediction[]> {
    if (this.closed) throw new BackendUnavailableError("inference backend is shutting down", "not_ready");
    const { batcher, sessions, tokenizer } = this;
    if (!this.warmedUp || batcher === undefined || sessions === undefined || tokenizer === undefined) {
      throw new BackendUnavailableError("model is not loaded yet", "not_ready");
    }
    // Refused before tokenizing while every worker restarts or after one gave up.
    sessions.assertServing();
    const entries = texts.map((text) => {
      const encoded = tokenizer.encode(text);
      return { bucket: encoded.bucket, item: encoded };
    });
    return batcher.submit(entries, signal, deadline);
  }

  stats(): BackendStats {
    return this.batcher?.stats() ?? { queueDepth: 0, batches: 0, batchedItems: 0 };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // A start() still loading must finish before its session can be released.
    await this.starting.settled();
    await this.batcher?.close();
    const sessions = this.sessions;
    this.sessions = undefined;
    await sessions?.close();
  }
}
