/** The options every Triton config.pbtxt for distilbert_sst2 is rendered from, and their defaults. */
import { REQUEST_DEADLINE } from "../../../gateway/src/deployment-contract";
import { SERVED_MODEL_NAME } from "../../../gateway/src/inference/repository-layout";
import { TOKENIZER_SHA_PARAMETER } from "../../../gateway/src/inference/triton-model-checks";

export const MODEL_NAME = SERVED_MODEL_NAME;
/** Triton model-config parameter carrying the sha256 of the tokenizer.json the model version was published with. */
export { TOKENIZER_SHA_PARAMETER };
/** The paper's batch size on the T4. */
export const DEFAULT_MAX_BATCH_SIZE = 16;
/**
 * 2 ms: the most a lone request waits for company. It is small against the ~10 ms a batch of 16 takes on a T4
 * and the paper's 22 ms FastAPI p50, and at the paper's ~780 req/s about 1.6 requests arrive per window while
 * more queue up during each execution, so batches fill under load without taxing quiet periods (docs/models.md).
 */
export const DEFAULT_MAX_QUEUE_DELAY_US = 2000;
export const DEFAULT_PREFERRED_BATCH_SIZES = [4, 8, 16] as const;
export const DEFAULT_MAX_SEQUENCE_LENGTH = 512;
/** Shortest sequence bucket (gateway SEQUENCE_BUCKETS default), the lower bound of the TensorRT shape profile. */
export const MIN_SEQUENCE_BUCKET = 16;
export const DEFAULT_TRT_CACHE_PATH = "/tmp/triton-trt-cache";

/**
 * Triton's queue policy: a request still queued after its timeout is rejected instead of computed for a caller
 * that has given up. The default timeout is the gateway's default budget; the gateway sends each request's
 * remaining budget as its `timeout` parameter, which may only shorten it. The bound is about one budget of
 * work at the paper's 780 req/s on a T4: a longer queue cannot be served in time anyway.
 */
export const DEFAULT_QUEUE_TIMEOUT_US = REQUEST_DEADLINE.defaultMs * 1000;
export const DEFAULT_MAX_QUEUE_SIZE = 1024;

export interface QueuePolicyOptions {
  defaultTimeoutMicroseconds?: number;
  maxQueueSize?: number;
}

export interface DynamicBatchingOptions {
  preferredBatchSizes?: readonly number[];
  maxQueueDelayMicroseconds?: number;
  queuePolicy?: QueuePolicyOptions;
}

export interface TensorRtOptions {
  /** Where TensorRT engines are cached (a volume, so restarts skip the minutes-long engine build). */
  engineCachePath?: string;
  maxWorkspaceSizeBytes?: number;
}

export interface WarmupSample {
  batchSize: number;
  sequenceLength: number;
}

export interface ModelConfigOptions {
  /** sha256 of the pinned version's tokenizer.json; published so a gateway can refuse a mismatched tokenizer. */
  tokenizerSha256: string;
  name?: string;
  maxBatchSize?: number;
  /** `false` renders no dynamic_batching block: Triton runs each request as it arrives (the unbatched setup). */
  dynamicBatching?: false | DynamicBatchingOptions;
  instanceGroup?: { kind: "KIND_GPU" | "KIND_CPU"; count?: number };
  /** Default: specific [1]. */
  versionPolicy?: { specific: readonly number[] } | { latest: number };
  /** TensorRT FP16 through ONNX Runtime's TensorRT execution provider; GPU only. */
  tensorrtFp16?: false | TensorRtOptions;
  maxSequenceLength?: number;
  /** Default: one request of the shortest bucket, and a full batch at 128 tokens. */
  warmup?: readonly WarmupSample[];
  /** The version folder's model file when it is not model.onnx (the int8 variant's model.int8.onnx). */
  defaultModelFilename?: string;
  /** ONNX Runtime intra-op threads per instance (CPU serving); unset = ORT default. */
  intraOpThreads?: number;
}
