import express, { type ErrorRequestHandler, type Express } from "express";
import type { Logger } from "pino";
import { requireScope } from "./auth/middleware";
import { createTokenVerifier, type TokenVerifier } from "./auth/verifier";
import type { GatewayConfig } from "./config";
import type { Deidentifier, InferenceBackend } from "./contracts";
import { clientRateLimit } from "./http/client-rate-limit";
import { BODY_ERRORS, jsonBody } from "./http/json-body";
import { registerRoutes } from "./http/register";
import { locals, requestContext } from "./http/request-context";
import type { Route } from "./http/route";
import type { JSONWebKeySet } from "./jose";
import { AdmissionController } from "./limits/admission";
import { ConcurrencyLimiter } from "./limits/concurrency";
import { markArrival } from "./limits/deadline";
import { RateLimiter } from "./limits/rate-limiter";
import type { GatewayMetrics } from "./metrics";
import type { ClientRegistration } from "./oauth/clients";
import type { TokenSigner } from "./oauth/signer";
import { buildOpenApiDocument } from "./openapi";
import { HttpProblem, sendProblem } from "./problem";
import { healthRoutes } from "./routes/health";
import { inferenceRoutes } from "./routes/inference";
import { oauthRoutes } from "./routes/oauth";
import { publicRoutes } from "./routes/public";

export interface AppOptions {
  config: GatewayConfig;
  logger: Logger;
  metrics: GatewayMetrics;
  /** Defaults to a jose verifier over config.auth. */
  verifier?: TokenVerifier;
  /** Absent: /v1 routes answer 503 naming the missing engine, never an unredacted echo. */
  deidentifier?: Deidentifier;
  /** Absent: /v1/sentiment* answer 503 naming the missing backend, never a made-up prediction. */
  backend?: InferenceBackend;
  /** Absent: POST /oauth2/token answers 404. */
  oauth?: { signer: TokenSigner; clients: ReadonlyMap<string, ClientRegistration> };
  /** Extra public keys to publish at /.well-known/jwks.json (the signer's key is always published). */
  publishedKeys?: JSONWebKeySet;
}

export interface AppState {
  /** Set on SIGTERM: readiness fails and responses ask clients to close their connections. */
  draining: boolean;
}

/** Every route the gateway serves, in registration order; the OpenAPI document describes exactly these. */
function routeTable(options: AppOptions, state: AppState, admission: Admission): Route[] {
  const { config, logger, metrics } = options;
  let openApi: string | undefined;
  const routes: Route[] = [
    ...inferenceRoutes({
      deidentifier: options.deidentifier,
      backend: options.backend,
      ...admission,
      requestDeadlineMs: config.limits.requestDeadlineMs,
      metrics,
      logger,
      maxTextChars: config.http.maxTextChars,
      maxBatchTexts: config.http.maxBatchTexts,
    }),
    ...oauthRoutes({
      config,
      metrics,
      limiter: new RateLimiter(config.limits.rateLimitRps, config.limits.rateLimitBurst),
      oauth: options.oauth,
    }),
    ...publicRoutes({
      signer: options.oauth?.signer,
      publishedKeys: options.publishedKeys,
      // The document describes this very table, so it is rendered on first use, once the table exists.
      openApiDocument: () => {
        openApi ??= JSON.stringify(buildOpenApiDocument(routes));
        return openApi;
      },
    }),
    ...healthRoutes({ state, deidentifier: options.deidentifier, backend: options.backend }),
  ];
  return routes;
}

/** What stands between a request and the backend: the estimate that refuses early, then the bounded slots. */
interface Admission {
  admission: AdmissionController;
  limiter: ConcurrencyLimiter;
}

export function createApp(options: AppOptions): { app: Express; state: AppState } {
  const { config, logger, metrics } = options;
  const state: AppState = { draining: false };
  const verifier = options.verifier ?? createTokenVerifier(config.auth);
  const limiter = new ConcurrencyLimiter(config.limits.maxInflight, config.limits.maxPending);
  const admission = new AdmissionController();
  const perClient = clientRateLimit(
    new RateLimiter(config.limits.rateLimitRps, config.limits.rateLimitBurst),
    metrics,
  );
  metrics.samplers.push(() => {
    metrics.inflight.set(limiter.inflight);
    metrics.pending.set(limiter.pending);
    metrics.admissionServiceTime.set((admission.serviceTimePerTextMs ?? 0) / 1000);
    metrics.admissionCorrection.set(admission.correctionFactor);
    if (options.backend) metrics.backendQueueDepth.set(options.backend.stats().queueDepth);
  });

  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  app.set("query parser", false);
  app.use(markArrival());
  app.use(requestContext(logger, metrics));
  app.use((_req, res, next) => {
    // Answers derive from clinical text: no shared cache may keep them. Public documents override this.
    res.setHeader("Cache-Control", "no-store");
    res.setHeader("X-Content-Type-Options", "nosniff");
    if (state.draining) res.setHeader("Connection", "close");
    next();
  });
  registerRoutes(app, routeTable(options, state, { admission, limiter }), {
    protect: (scope) => [requireScope(verifier, metrics, scope), perClient],
    jsonBody: jsonBody(config.http.maxBodyBytes),
  });
  app.use(() => {
    throw new HttpProblem("not-found", "No route matches this path");
  });
  app.use(errorHandler(logger, metrics));
  return { app, state };
}

function errorHandler(logger: Logger, metrics: GatewayMetrics): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    const problem =
      err instanceof HttpProblem
        ? err
        : (BODY_ERRORS[(err as { type?: string }).type ?? ""] ?? internalError(err, logger, res));
    if (problem.slug === "overloaded") metrics.overloadRejections.inc();
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendProblem(res, problem);
  };
}

function internalError(err: unknown, logger: Logger, res: express.Response): HttpProblem {
  // The message can quote input, so only the error's name and stack frames are logged.
  const stack =
    typeof (err as Error)?.stack === "string" ? (err as Error).stack?.split("\n").slice(1, 8) : [];
  logger.error(
    { requestId: locals(res).requestId, err: { name: (err as Error)?.name, stack } },
    "unhandled error",
  );
  return new HttpProblem(
    "internal",
    "An unexpected error occurred; the request id identifies it in the logs",
  );
}
