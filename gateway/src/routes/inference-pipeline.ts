import { performance } from "node:perf_hooks";
import type { Request, Response } from "express";
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
import type { AdmissionController, AdmissionTicket, ShedReason } from "../limits/admission";
import { AbortedWhileQueuedError, type ConcurrencyLimiter, OverloadedError } from "../limits/concurrency";
import {
  type Deadline,
  DeadlineExceededError,
  REQUEST_TIMEOUT_HEADER,
  remainingMs,
  requestDeadline,
} from "../limits/deadline";
import type { GatewayMetrics } from "../metrics";
import { HttpProblem } from "../problem";

export interface PipelineDeps {
  deidentifier?: Deidentifier;
  backend?: InferenceBackend;
  limiter: ConcurrencyLimiter;
  admission: AdmissionController;
  /** REQUEST_DEADLINE_MS: the budget of a request whose client does not ask for less. */
  requestDeadlineMs: number;
  metrics: GatewayMetrics;
  logger: Logger;
}

export interface Classified {
  deids: DeidentifyResult[];
  predictions: Prediction[];
}

/** The steps every /v1 route is made of: de-identify, then (for sentiment) admit and classify. */
export interface InferencePipeline {
  /** De-identifies each text and records the PHI counts for the audit record and metrics. */
  deidentify(res: Response, texts: readonly string[]): Promise<DeidentifyResult[]>;
  /**
   * Reads the request's budget, asks admission, de-identifies and classifies: only de-identified text reaches
   * the backend. A request that cannot be answered within its budget is refused before any of that work.
   */
  classify(req: Request, res: Response, texts: readonly string[]): Promise<Classified>;
  backend(): InferenceBackend;
}

function missing(what: "de-identification engine" | "inference backend"): HttpProblem {
  return new HttpProblem(
    "dependency-missing",
    `The ${what} is not configured in this gateway, so the request cannot be served safely`,
    { headers: { "Retry-After": "30" }, extensions: { missing: what } },
  );
}

/** Fires when the client goes away (an AbortError) or when the budget is spent (DeadlineExceededError). */
function budgetSignal(res: Response, deadline: Deadline): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) controller.abort();
  };
  res.once("close", onClose);
  const timer = setTimeout(
    () => controller.abort(new DeadlineExceededError("running")),
    Math.max(0, remainingMs(deadline)),
  );
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      res.off("close", onClose);
    },
  };
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
  const { limiter, metrics, admission } = deps;
  metrics.defaultBudget.set(deps.requestDeadlineMs / 1000);
  const backend = (): InferenceBackend => {
    if (!deps.backend) throw missing("inference backend");
    return deps.backend;
  };
  const shed = (reason: ShedReason, detail: string, retryAfterSeconds: number): HttpProblem => {
    metrics.shed.inc({ reason });
    return new HttpProblem("overloaded", detail, { headers: { "Retry-After": String(retryAfterSeconds) } });
  };

  const deidentify = async (res: Response, texts: readonly string[]): Promise<DeidentifyResult[]> => {
    if (!deps.deidentifier) throw missing("de-identification engine");
    const deid = deps.deidentifier;
    const deidAsync = deid.deidentifyAsync?.bind(deid);
    let results: DeidentifyResult[];
    try {
      results = deidAsync
        ? await Promise.all(texts.map((t) => deidAsync(t)))
        : texts.map((t) => deid.deidentify(t));
    } catch (error) {
      // A detector that fails mid-request (the model's session) must not degrade to a partial redaction.
      deps.logger.error(
        { requestId: locals(res).requestId, errorClass: error instanceof Error ? error.name : typeof error },
        "de-identification failed",
      );
      throw missing("de-identification engine");
    }
    const counts = mergeCounts(results);
    locals(res).phiCounts = counts;
    for (const [type, n] of Object.entries(counts)) metrics.phiEntities.inc({ type }, n);
    return results;
  };

  const run = async (
    res: Response,
    texts: readonly string[],
    deadline: Deadline,
    ticket: AdmissionTicket,
  ) => {
    const model = backend();
    const budget = budgetSignal(res, deadline);
    let succeeded = false;
    try {
      const deids = await deidentify(res, texts);
      const deidentified = deids.map((d) => d.text);
      const queuedAt = performance.now();
      const predictions = await limiter.run(async () => {
        metrics.queueSojourn.observe({ queue: "gateway" }, (performance.now() - queuedAt) / 1000);
        if (remainingMs(deadline) <= 0) throw new DeadlineExceededError("gateway_queue");
        return timedCall(model, deidentified, budget.signal, deadline, metrics);
      }, budget.signal);
      succeeded = true;
      return { deids, predictions };
    } catch (err) {
      const cause =
        err instanceof AbortedWhileQueuedError && budget.signal.reason instanceof DeadlineExceededError
          ? new DeadlineExceededError("gateway_queue")
          : err;
      if (cause instanceof DeadlineExceededError) metrics.expired.inc({ stage: cause.stage });
      if (cause instanceof OverloadedError) {
        throw shed("capacity", "Too many requests are in flight; retry shortly", 1);
      }
      if (cause instanceof BackendOverloadedError) {
        const seconds = Math.max(1, Math.ceil(cause.retryAfterSeconds));
        throw shed("backend_queue", "The inference backend queue is full; retry shortly", seconds);
      }
      // Already an answer (the de-identifier's dependency-missing): not a backend failure.
      if (cause instanceof HttpProblem) throw cause;
      throw backendProblem(cause, deps.logger, locals(res).requestId);
    } finally {
      budget.dispose();
      ticket.finish(succeeded);
    }
  };

  const classify = async (req: Request, res: Response, texts: readonly string[]): Promise<Classified> => {
    const deadline = requestDeadline(
      req.headers[REQUEST_TIMEOUT_HEADER.toLowerCase()],
      res,
      deps.requestDeadlineMs,
    );
    backend();
    if (!deps.deidentifier) throw missing("de-identification engine");
    const decision = admission.admit(texts.length, remainingMs(deadline));
    if (!decision.admitted) {
      throw shed(
        "estimate",
        "The request cannot be answered within its latency budget at the current load; retry later",
        decision.retryAfterSeconds,
      );
    }
    metrics.requestBudget.observe(deadline.budgetMs / 1000);
    return run(res, texts, deadline, decision.ticket);
  };

  return { deidentify, classify, backend };
}

async function timedCall(
  model: InferenceBackend,
  deidentified: readonly string[],
  signal: AbortSignal,
  deadline: Deadline,
  metrics: GatewayMetrics,
): Promise<Prediction[]> {
  const started = process.hrtime.bigint();
  let outcome = "ok";
  try {
    const predictions = await model.classify(deidentified, signal, deadline.expiresAt);
    if (predictions.length !== deidentified.length) {
      outcome = "error";
      throw new Error(`backend returned ${predictions.length} predictions for ${deidentified.length} texts`);
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
}

function errorOutcome(err: unknown): string {
  if (err instanceof BackendOverloadedError) return "overloaded";
  if (err instanceof BackendUnavailableError) return err.reason;
  if (err instanceof DeadlineExceededError) return "expired";
  if ((err as Error).name === "AbortError") return "aborted";
  return "error";
}

/** Backend errors become problems with fixed wording: their messages may be logged, never returned. */
function backendProblem(err: unknown, logger: Logger, requestId: string): HttpProblem {
  if (err instanceof DeadlineExceededError) {
    return new HttpProblem("deadline-exceeded", "The request's latency budget ran out before it was served", {
      extensions: { stage: err.stage },
    });
  }
  if (err instanceof AbortedWhileQueuedError) {
    return new HttpProblem("overloaded", "The request was cancelled while waiting for capacity");
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
