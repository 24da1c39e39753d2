/** The one entry point the gateway uses to get an inference backend from validated configuration. */
import type { Logger } from "pino";
import type { BackendConfig, InferenceBackend } from "../contracts";
import { EmbeddedBackend } from "./embedded";
import type { WorkerRestartOutcome } from "./ort-worker-supervisor";
import { TritonBackend } from "./triton";

export interface BackendHooks {
  logger?: Logger;
  /** Called once per batch sent to the model (size = texts in it, bucket = padded sequence length). */
  onBatch?: (size: number, bucket: number) => void;
  /** Called per text as it leaves the gateway's batching queue for the model, with its wait (ms). */
  onSojourn?: (waitedMs: number) => void;
  /** Embedded only: called once per crashed inference worker, with what became of it. */
  onWorkerRestart?: (outcome: WorkerRestartOutcome) => void;
}

export function createBackend(config: BackendConfig, hooks: BackendHooks = {}): InferenceBackend {
  switch (config.kind) {
    case "embedded":
      return new EmbeddedBackend(config, {
        logger: hooks.logger,
        onBatch: hooks.onBatch,
        onSojourn: hooks.onSojourn,
        onWorkerRestart: hooks.onWorkerRestart,
      });
    case "triton":
      return new TritonBackend(config, { logger: hooks.logger, onBatch: hooks.onBatch });
    default:
      throw new Error(
        `BACKEND must be "embedded" or "triton", got "${String((config as { kind: unknown }).kind)}"`,
      );
  }
}

export { bucketFor, parseBuckets, validateBuckets } from "./buckets";
export { EmbeddedBackend } from "./embedded";
export { TritonBackend } from "./triton";
