import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { ModelInfo } from "./contracts";
import { WORKER_RESTART_OUTCOMES, type WorkerRestartOutcome } from "./inference/ort-worker-supervisor";

/**
 * Prometheus metrics, on their own registry so tests can build several apps in one process. Label values
 * are route templates, status codes, reasons and PHI type names: never request content.
 */
export interface GatewayMetrics {
  registry: Registry;
  requests: Counter<"route" | "method" | "status">;
  requestDuration: Histogram<"route" | "method" | "status">;
  authFailures: Counter<"reason">;
  backendDuration: Histogram<"backend" | "outcome">;
  batchSize: Histogram<"sequence_bucket">;
  inflight: Gauge;
  pending: Gauge;
  backendQueueDepth: Gauge;
  rateLimited: Counter;
  overloadRejections: Counter;
  /** Requests refused before reaching the model, by reason (SHED_REASONS). */
  shed: Counter<"reason">;
  /** Requests whose latency budget ran out, by the stage that found it spent (EXPIRY_STAGES). */
  expired: Counter<"stage">;
  /** Time items waited before the model took them: the gateway's slots, then the batcher. */
  queueSojourn: Histogram<"queue">;
  /** The latency budget each admitted request ran under. */
  requestBudget: Histogram;
  /** The configured default budget, REQUEST_DEADLINE_MS. */
  defaultBudget: Gauge;
  /** Admission's measured time per text, the basis of its wait estimate. */
  admissionServiceTime: Gauge;
  admissionCorrection: Gauge;
  /** The embedded backend's crashed inference workers, by outcome (WORKER_RESTART_OUTCOMES). */
  workerRestarts: Counter<"outcome">;
  phiEntities: Counter<"type">;
  tokensIssued: Counter<"outcome">;
  /** 1 for the model the backend serves: name, version, precision (MODEL_PRECISION; "server" for Triton). */
  modelInfo: Gauge<"name" | "version" | "precision" | "synthetic">;
  /** Read gauges from their sources right before a scrape. */
  samplers: Array<() => void>;
  render(): Promise<string>;
}

/**
 * How often the event-loop delay is sampled (prom-client's default, stated so readers of
 * nodejs_eventloop_lag_* know it): each sample is the time between two timer ticks, so an idle loop reads
 * this much and only what exceeds it is delay.
 */
export const EVENT_LOOP_SAMPLE_MS = 10;

export function createMetrics(options: { defaultMetrics?: boolean } = {}): GatewayMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  }
  const samplers: Array<() => void> = [];
  const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
  const workerRestarts = new Counter({
    name: "gateway_backend_worker_restarts_total",
    help: "Crashed embedded inference workers, by outcome: restarted (a new worker serves) or gave_up (/healthz fails)",
    labelNames: ["outcome"],
    registers: [registry],
  });
  // Exported at 0 from the start: increase() over a series whose first sample is already 1 reads 0, so the
  // first restart of a pod would never alert.
  for (const outcome of WORKER_RESTART_OUTCOMES) workerRestarts.inc({ outcome }, 0);
  return {
    registry,
    requests: new Counter({
      name: "gateway_http_requests_total",
      help: "HTTP requests answered, by route template, method and status",
      labelNames: ["route", "method", "status"],
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: "gateway_http_request_duration_seconds",
      help: "HTTP request latency from first byte read to response finished",
      labelNames: ["route", "method", "status"],
      buckets: latencyBuckets,
      registers: [registry],
    }),
    authFailures: new Counter({
      name: "gateway_auth_failures_total",
      help: "Rejected access tokens and client authentications, by reason",
      labelNames: ["reason"],
      registers: [registry],
    }),
    backendDuration: new Histogram({
      name: "gateway_backend_duration_seconds",
      help: "Time spent in the inference backend per call (one call per request), by outcome",
      labelNames: ["backend", "outcome"],
      buckets: latencyBuckets,
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: "gateway_backend_batch_size",
      help: "Sizes of the batches the backend ran, by padded sequence bucket",
      labelNames: ["sequence_bucket"],
      buckets: [1, 2, 4, 8, 16, 32, 64, 128],
      registers: [registry],
    }),
    inflight: new Gauge({
      name: "gateway_backend_inflight_requests",
      help: "Requests currently being served by the backend",
      registers: [registry],
    }),
    pending: new Gauge({
      name: "gateway_pending_requests",
      help: "Requests waiting in the gateway for a backend slot",
      registers: [registry],
    }),
    backendQueueDepth: new Gauge({
      name: "gateway_backend_queue_depth",
      help: "Items waiting in the backend's batching queue",
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: "gateway_rate_limited_total",
      help: "Requests refused with 429 by the per-client rate limit",
      registers: [registry],
    }),
    overloadRejections: new Counter({
      name: "gateway_overload_rejections_total",
      help: "Requests refused with 503 because the bounded in-flight and pending slots were full",
      registers: [registry],
    }),
    shed: new Counter({
      name: "gateway_shed_total",
      help: "Requests answered 503 overloaded before reaching the model, by reason",
      labelNames: ["reason"],
      registers: [registry],
    }),
    expired: new Counter({
      name: "gateway_deadline_expired_total",
      help: "Requests whose latency budget ran out, by the stage that found it spent",
      labelNames: ["stage"],
      registers: [registry],
    }),
    queueSojourn: new Histogram({
      name: "gateway_queue_sojourn_seconds",
      help: "Time a request or item waited before the model took it, by queue (gateway slots, batcher)",
      labelNames: ["queue"],
      buckets: latencyBuckets,
      registers: [registry],
    }),
    requestBudget: new Histogram({
      name: "gateway_request_budget_seconds",
      help: "Latency budget per admitted request: REQUEST_DEADLINE_MS or the client's lower Request-Timeout",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers: [registry],
    }),
    defaultBudget: new Gauge({
      name: "gateway_request_deadline_seconds",
      help: "Configured default latency budget (REQUEST_DEADLINE_MS)",
      registers: [registry],
    }),
    admissionServiceTime: new Gauge({
      name: "gateway_admission_service_time_seconds",
      help: "Measured backend time per text that admission multiplies by the texts ahead to estimate a wait",
      registers: [registry],
    }),
    admissionCorrection: new Gauge({
      name: "gateway_admission_correction_ratio",
      help: "Factor admission multiplies its wait estimate by: the measured high quantile of the estimate's error (1 = the estimate alone held)",
      registers: [registry],
    }),
    workerRestarts,
    phiEntities: new Counter({
      name: "gateway_phi_entities_total",
      help: "PHI entities removed, by identifier type",
      labelNames: ["type"],
      registers: [registry],
    }),
    tokensIssued: new Counter({
      name: "gateway_oauth_token_requests_total",
      help: "POST /oauth2/token outcomes: issued or the OAuth2 error code",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    modelInfo: new Gauge({
      name: "gateway_model_info",
      help: "The served model: 1 for its name, version, precision and whether its weights are synthetic",
      labelNames: ["name", "version", "precision", "synthetic"],
      registers: [registry],
    }),
    samplers,
    async render() {
      for (const sample of samplers) sample();
      return registry.metrics();
    },
  };
}

/** The embedded backend's onSojourn hook: how long each text waited in the gateway's batcher. */
export function sojournObserver(metrics: GatewayMetrics): (waitedMs: number) => void {
  return (waitedMs) => metrics.queueSojourn.observe({ queue: "batcher" }, waitedMs / 1000);
}

/** The backend's onBatch hook: one observation per batch sent to the model. */
export function batchObserver(metrics: GatewayMetrics): (size: number, bucket: number) => void {
  return (size, bucket) => metrics.batchSize.observe({ sequence_bucket: String(bucket) }, size);
}

/** The embedded backend's onWorkerRestart hook: one count per crashed worker, by what became of it. */
export function workerRestartObserver(metrics: GatewayMetrics): (outcome: WorkerRestartOutcome) => void {
  return (outcome) => metrics.workerRestarts.inc({ outcome });
}

/** Publishes the loaded model as gateway_model_info once the backend has started. */
export function recordModelInfo(metrics: GatewayMetrics, info: ModelInfo): void {
  metrics.modelInfo.reset();
  metrics.modelInfo.set(
    {
      name: info.name,
      version: info.version,
      precision: info.precision ?? "server",
      synthetic: String(info.synthetic),
    },
    1,
  );
}
