import type { Request, RequestHandler, Response } from "express";
import type { Logger } from "pino";
import {
  BackendOverloadedError,
  BackendUnavailableError,
  type Deidentifier,
  type DeidentifyResult,
  type InferenceBackend,
  type PhiType,
  type Prediction,
} from "../contracts";
import { locals } from "../http/request-context";
import { parseTextBody, parseTextsBody } from "../http/validation";
import { AbortedWhileQueuedError, type ConcurrencyLimiter, OverloadedError } from "../limits/concurrency";
import type { GatewayMetrics } from "../metrics";
import { HttpProblem } from "../problem";

export interface InferenceRouteDeps {
  deidentifier?: Deidentifier;
  backend?: InferenceBackend;
  limiter: ConcurrencyLimiter;
  metrics: GatewayMetrics;
  logger: Logger;
  maxTextChars: number;
  maxBatchTexts: number;
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

function mergeCounts(results: readonly DeidentifyResult[]): Partial<Record<PhiType, number>> {
  const total: Partial<Record<PhiType, number>> = {};
  for (const r of results) {
    for (const [type, n] of Object.entries(r.counts) as [PhiType, number][])
      total[type] = (total[type] ?? 0) + n;
  }
  return total;
}

function phiSummary(counts: Partial<Record<PhiType, number>>) {
  let count = 0;
  for (const n of Object.values(counts)) count += n ?? 0;
  return { count, types: counts };
}

export function createInferenceHandlers(deps: InferenceRouteDeps) {
  const { limiter, metrics } = deps;

  const deidentifyAll = (res: Response, texts: readonly string[]): DeidentifyResult[] => {
    if (!deps.deidentifier) throw missing("de-identification engine");
    const deid = deps.deidentifier;
    const results = texts.map((t) => deid.deidentify(t));
    const counts = mergeCounts(results);
    locals(res).phiCounts = counts;
    for (const [type, n] of Object.entries(counts)) metrics.phiEntities.inc({ type }, n);
    return results;
  };

  /** Only de-identified text reaches this function; the original never leaves the gateway. */
  const classify = async (res: Response, deidentified: readonly string[]): Promise<Prediction[]> => {
    if (!deps.backend) throw missing("inference backend");
    const backend = deps.backend;
    const signal = clientGoneSignal(res);
    try {
      return await limiter.run(async () => {
        const started = process.hrtime.bigint();
        let outcome = "ok";
        try {
          const predictions = await backend.classify(deidentified, signal);
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
            { backend: backend.kind, outcome },
            Number(process.hrtime.bigint() - started) / 1e9,
          );
        }
      }, signal);
    } catch (err) {
      throw backendProblem(err, deps.logger, locals(res).requestId);
    }
  };

  const item = (res: Response, prediction: Prediction, counts: Partial<Record<PhiType, number>>) => ({
    label: prediction.label,
    score: prediction.score,
    truncated: prediction.truncated,
    model: (deps.backend as InferenceBackend).modelInfo(),
    phi: phiSummary(counts),
    requestId: locals(res).requestId,
  });

  const sentiment: RequestHandler = async (req: Request, res: Response) => {
    const text = parseTextBody(req.body, deps.maxTextChars);
    const [deid] = deidentifyAll(res, [text]) as [DeidentifyResult];
    const [prediction] = (await classify(res, [deid.text])) as [Prediction];
    res.json(item(res, prediction, deid.counts));
  };

  const sentimentBatch: RequestHandler = async (req: Request, res: Response) => {
    const texts = parseTextsBody(req.body, deps.maxTextChars, deps.maxBatchTexts);
    const deids = deidentifyAll(res, texts);
    const predictions = await classify(
      res,
      deids.map((d) => d.text),
    );
    res.json({ results: predictions.map((p, i) => item(res, p, (deids[i] as DeidentifyResult).counts)) });
  };

  const deidentify: RequestHandler = (req: Request, res: Response) => {
    const text = parseTextBody(req.body, deps.maxTextChars);
    const [deid] = deidentifyAll(res, [text]) as [DeidentifyResult];
    res.json({
      text: deid.text,
      entities: deid.entities.map((e) => ({ type: e.type, start: e.start, end: e.end })),
    });
  };

  return { sentiment, sentimentBatch, deidentify };
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
