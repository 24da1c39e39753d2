/**
 * The small interfaces that separate the gateway's HTTP layer from de-identification and inference.
 * HTTP code depends only on these; each engine lives in its own folder (deid/, inference/).
 */
import type { ModelPrecision } from "./deployment-contract";

/** Safe Harbor identifier types the de-identifier reports. */
export const PHI_TYPES = [
  "NAME",
  "DATE",
  "AGE",
  "PHONE",
  "FAX",
  "EMAIL",
  "SSN",
  "MRN",
  "HEALTH_PLAN",
  "ACCOUNT",
  "LICENSE",
  "VEHICLE",
  "DEVICE",
  "URL",
  "IP",
  "ADDRESS",
  "CITY",
  "LOCATION",
  "ZIP",
  "ID",
] as const;
export type PhiType = (typeof PHI_TYPES)[number];

/** A detected identifier: offsets are UTF-16 indices into the original input text, end exclusive. */
export interface PhiEntity {
  type: PhiType;
  start: number;
  end: number;
  score: number;
}

export interface DeidentifyResult {
  /** The rewritten text: the only form of the input that may leave the gateway. */
  text: string;
  entities: PhiEntity[];
  counts: PhiCounts;
}

/** PHI counts per type, as the de-identifier reports them. */
export type PhiCounts = Partial<Record<PhiType, number>>;

/** The one shape that reports removed PHI, in API answers and audit records alike: counts, never content. */
export interface PhiSummary {
  count: number;
  types: PhiCounts;
}

export function phiSummary(counts: PhiCounts): PhiSummary {
  let count = 0;
  for (const n of Object.values(counts)) count += n ?? 0;
  return { count, types: counts };
}

/** Who is calling: the only facts about a token the rest of the gateway sees. */
export interface Principal {
  sub: string;
  clientId: string;
  scopes: readonly string[];
  /** Seconds since epoch. */
  exp: number;
}

export interface Deidentifier {
  /** Throws when a recognizer only runs asynchronously (the learned detector): use deidentifyAsync. */
  deidentify(text: string): DeidentifyResult;
  /** Every recognizer, asynchronous ones included; rejects when one fails, never a partial result. */
  deidentifyAsync?(text: string): Promise<DeidentifyResult>;
}

export const DEID_OPERATORS = ["replace", "surrogate", "mask", "hash", "redact", "shift"] as const;
export type DeidOperator = (typeof DEID_OPERATORS)[number];

export interface DeidConfig {
  /** Operator per type; types not listed use defaultOperator. */
  operators: Partial<Record<PhiType, DeidOperator>>;
  defaultOperator: DeidOperator;
  /** Also redact any remaining digit run of 5+ characters not on the allow-list. */
  strict: boolean;
  /** Secret for keyed hashing and per-document date shifting. Never logged. */
  key: Uint8Array;
  /** Largest date shift in days (shift is keyed per document, in [-maxShiftDays, +maxShiftDays], never 0). */
  maxShiftDays: number;
}

export type SentimentLabel = "NEGATIVE" | "POSITIVE";

export interface ModelInfo {
  name: string;
  version: string;
  /** True when the weights are the deterministic synthetic ones, not the fine-tuned SST-2 model. */
  synthetic: boolean;
  /** Which model file the embedded backend runs; unset for Triton, whose server owns the choice. */
  precision?: ModelPrecision;
}

export interface Prediction {
  label: SentimentLabel;
  /** Softmax probability of the label. */
  score: number;
  /** True when the tokenized input was cut at the model's maximum sequence length. */
  truncated: boolean;
}

/** Batching statistics that backends expose for metrics and benchmarks. */
export interface BackendStats {
  /** Requests waiting for a batch slot, summed over buckets. */
  queueDepth: number;
  batches: number;
  batchedItems: number;
}

/**
 * An inference backend takes de-identified texts and returns one prediction per text, in order.
 * The backend owns tokenization because the tokenizer is versioned with the model.
 */
export interface InferenceBackend {
  readonly kind: "embedded" | "triton";
  /** Load, check the model contract, warm up. Rejects with a readable message on any mismatch. */
  start(): Promise<void>;
  /** True only when the model is loaded, warmed up and (for Triton) the server reports it ready. */
  ready(): Promise<boolean>;
  /**
   * False once the backend cannot serve again in this process (the embedded worker crashed more often than
   * its restart policy allows): liveness fails so Kubernetes restarts the container. Absent = always live.
   */
  live?(): boolean;
  modelInfo(): ModelInfo;
  /**
   * `signal` fires when nobody waits for the answer any more; `deadline` (performance.now() milliseconds) is
   * when the request's latency budget is spent: work still queued then is dropped with DeadlineExceededError.
   */
  classify(texts: readonly string[], signal?: AbortSignal, deadline?: number): Promise<Prediction[]>;
  stats(): BackendStats;
  /** Finish in-flight work, then release resources. */
  close(): Promise<void>;
}

/** The backend refuses work because its bounded queue is full: the HTTP layer answers 503 + Retry-After. */
export class BackendOverloadedError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds = 1,
  ) {
    super(message);
    this.name = "BackendOverloadedError";
  }
}

/** The backend cannot serve (not ready, upstream down, circuit open, timed out): 503 or 504. */
export class BackendUnavailableError extends Error {
  constructor(
    message: string,
    readonly reason: "not_ready" | "upstream_error" | "circuit_open" | "timeout" = "upstream_error",
  ) {
    super(message);
    this.name = "BackendUnavailableError";
  }
}

export interface BackendConfig {
  kind: "embedded" | "triton";
  /** Root of a Triton-layout model repository (for the embedded backend and for tokenizers). */
  modelRepository: string;
  modelName: string;
  /** Pinned model version; undefined = highest numeric version present (embedded only). */
  modelVersion?: string;
  /** Sequence-length buckets, ascending; the last one is the model maximum. */
  sequenceBuckets: number[];
  batching: {
    enabled: boolean;
    maxBatchSize: number;
    maxQueueDelayMs: number;
    /** Bounded queue depth over all buckets; past it classify() rejects with BackendOverloadedError. */
    maxQueueSize: number;
  };
  /** `precision`: MODEL_PRECISION; parseConfig always sets it, hand-built configs get DEFAULT_MODEL_PRECISION. */
  /** `sessions`: ORT_SESSIONS, worker threads each with its own session (1 when a hand-built config omits it). */
  embedded: { intraOpThreads: number; interOpThreads: number; sessions?: number; precision?: ModelPrecision };
  triton: { url: string; timeoutMs: number; retries: number; binary: boolean };
}
