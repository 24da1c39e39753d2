import type { Response } from "express";
import type { Logger } from "pino";
import {
  BackendOverloadedError,
  BackendUnavailableError,
  type Deidentifier,
  type DeidentifyResult,
  type InferenceBackend,
  type PhiCounts,
  type PhiType,
  type Prediction,
} from "../contracts";
import { locals } from "../http/request-context";
import { AbortedWhileQueuedError, type ConcurrencyLimiter, OverloadedError } from "../limits/concurrency";
import type { GatewayMetrics } from "../metrics";
import { HttpProblem } from "../problem";

export interface PipelineDeps {
  deidentifier?: Deidentifier;
  backend?: InferenceBackend;
  limiter: ConcurrencyLimiter;
  metrics: GatewayMetrics;
  logger: Logger;
}

/** The two steps every /v1 route is made of: de-identify, then (for sentiment) classify. */
export interface InferencePipeline {
  /** De-identifies each text and records the PHI counts for the audit record and metrics. */
  deidentify(res: Response, texts: readonly string[]): DeidentifyResult[];
  /** Only de-identified text reaches this function; the original never leaves the gateway. */
  classify(res: Response, deidentified: readonly string[]): Promise<Prediction[]>;
  backend(): InferenceBackend;
}

function missing(what: "de-identification engine" | "inference backend"): HttpProblem {
  return new HttpProblem(
    "dependency-missing",
    `The ${what} is not configured in this gateway, so the request cannot be served safely`,
    { headers: { "Retry-After": "30" }, extensions: { missing: what } },
  );
}

/** Aborts backend work when the client goes away before the answer is written. */
function clientGoneSignal(res: Response): AbortSignal {
  const controller = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}

function mergeCounts(results: readonly DeidentifyResult[]): PhiCounts {
  const total: PhiCounts = {};
  for (const r of results) {
    for (const [type, n] of Object.entries(r.counts) as [PhiType, number][])
      total[type] = (total[type] ?? 0) + n;
  }
  return total;
}

export function createInferencePipeline(deps: PipelineDeps): InferencePipeline {
  const { limiter, metrics } = deps;
  const backend = (): InferenceBackend => {
    if (!deps.backend) throw missing("inference backend");
    return deps.backend;
  };

  const deidentify = (res: Response, texts: readonly string[]): DeidentifyResult[] => {
    if (!deps.deidentifier) throw missing("de-identification engine");
    const deid = deps.deidentifier;
    const results = texts.map((t) => deid.deidentify(t));
    const counts = mergeCounts(results);
    locals(res).phiCounts = counts;
    for (const [type, n] of Object.entries(counts)) metrics.phiEntities.inc({ type }, n);
    return results;
  };

  const classify = async (res: Response, deidentified: readonly string[]): Promise<Prediction[]> => {
    const model = backend();
    const signal = clientGoneSignal(res);
    try {
      return await limiter.run(async () => {
        const started = process.hrtime.bigint();
        let outcome = "ok";
        try {
          const predictions = await model.classify(deidentified, signal);
          if (predictions.length !== deidentified.length) {
            outcome = "error";
            throw new Error(
              `backend returned ${predictions.length} predictions for ${deidentified.length} texts`,
            );
          }
          return predictions;
        } catch (err) {
          if (outcome === "ok") outcome = errorOutcome(err);
          throw err;
        } finally {
          metrics.backendDuration.observe(
            { backend: model.kind, outcome },
            Number(process.hrtime.bigint() - started) / 1e9,
          );
        }
      }, signal);
    } catch (err) {
      throw backendProblem(err, deps.logger, locals(res).requestId);
    }
  };

  return { deidentify, classify, backend };
}

function errorOutcome(err: unknown): string {
  if (err instanceof BackendOverloadedError) return "overloaded";
  if (err instanceof BackendUnavailableError) return err.reason;
  if ((err as Error).name === "AbortError") return "aborted";
  return "error";
}

/** Backend errors become problems with fixed wording: their messages may be logged, never returned. */
function backendProblem(err: unknown, logger: Logger, requestId: string): HttpProblem {
  if (err instanceof OverloadedError) {
    return new HttpProblem("overloaded", "Too many requests are in flight; retry shortly", {
      headers: { "Retry-After": "1" },
    });
  }
  if (err instanceof AbortedWhileQueuedError) {
    return new HttpProblem("overloaded", "The request was cancelled while waiting for capacity");
  }
  if (err instanceof BackendOverloadedError) {
    return new HttpProblem("overloaded", "The inference backend queue is full; retry shortly", {
      headers: { "Retry-After": String(Math.max(1, Math.ceil(err.retryAfterSeconds))) },
    });
  }
  if (err instanceof BackendUnavailableError && err.reason === "timeout") {
    return new HttpProblem("backend-timeout", "The inference backend did not answer in time");
  }
  logger.warn(
    { requestId, err: { name: (err as Error).name, reason: (err as BackendUnavailableError).reason } },
    "backend call failed",
  );
  return new HttpProblem("backend-unavailable", "The inference backend cannot serve requests right now", {
    headers: { "Retry-After": "2" },
  });
}
