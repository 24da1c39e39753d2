import express, { type ErrorRequestHandler, type Express, type RequestHandler } from "express";
import type { Logger } from "pino";
import { requireScope } from "./auth/middleware";
import { createTokenVerifier, type TokenVerifier } from "./auth/verifier";
import { type GatewayConfig, SCOPES } from "./config";
import type { Deidentifier, InferenceBackend } from "./contracts";
import { locals, requestContext } from "./http/request-context";
import type { JSONWebKeySet, JWK } from "./jose";
import { ConcurrencyLimiter } from "./limits/concurrency";
import { RateLimiter } from "./limits/rate-limiter";
import type { GatewayMetrics } from "./metrics";
import type { ClientRegistration } from "./oauth/clients";
import type { TokenSigner } from "./oauth/signer";
import { createTokenEndpoint } from "./oauth/token-endpoint";
import { buildOpenApiDocument } from "./openapi";
import { HttpProblem, sendProblem } from "./problem";
import { createInferenceHandlers } from "./routes/inference";

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

/** Paths and the methods they answer; any other method gets 405 with this list in Allow. */
export const ROUTES: Readonly<Record<string, readonly string[]>> = {
  "/v1/sentiment": ["POST"],
  "/v1/sentiment/batch": ["POST"],
  "/v1/deidentify": ["POST"],
  "/oauth2/token": ["POST"],
  "/.well-known/jwks.json": ["GET", "HEAD"],
  "/healthz": ["GET", "HEAD"],
  "/readyz": ["GET", "HEAD"],
  "/openapi.json": ["GET", "HEAD"],
};

const BODY_ERRORS: Record<string, HttpProblem> = {
  "entity.parse.failed": new HttpProblem("invalid-json", "The request body is not valid JSON"),
  "entity.too.large": new HttpProblem("body-too-large", "The request body is larger than the limit"),
  "charset.unsupported": new HttpProblem("unsupported-media-type", "The request body must be UTF-8 JSON"),
  "encoding.unsupported": new HttpProblem(
    "unsupported-media-type",
    "Content-Encoding is not supported; send identity-encoded JSON",
  ),
};

function isJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const semicolon = contentType.indexOf(";");
  const mediaType = (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  return mediaType === "application/json";
}

function jsonBody(maxBytes: number): RequestHandler {
  const parser = express.json({ limit: maxBytes, strict: false, inflate: false, type: () => true });
  return (req, res, next) => {
    if (!isJson(req.headers["content-type"])) {
      next(new HttpProblem("unsupported-media-type", "Content-Type must be application/json"));
      return;
    }
    parser(req, res, (err?: unknown) => {
      if (err === undefined) return next();
      const type = (err as { type?: string }).type ?? "";
      const known = BODY_ERRORS[type];
      if (known) {
        const problem =
          type === "entity.too.large"
            ? new HttpProblem("body-too-large", `The request body is larger than ${maxBytes} bytes`, {
                extensions: { maxBodyBytes: maxBytes },
              })
            : known;
        return next(problem);
      }
      next(new HttpProblem("invalid-request", "The request body could not be read"));
    });
  };
}

export function createApp(options: AppOptions): { app: Express; state: AppState } {
  const { config, logger, metrics } = options;
  const state: AppState = { draining: false };
  const verifier = options.verifier ?? createTokenVerifier(config.auth);
  const limiter = new ConcurrencyLimiter(config.limits.maxInflight, config.limits.maxPending);
  const clientLimiter = new RateLimiter(config.limits.rateLimitRps, config.limits.rateLimitBurst);
  const tokenLimiter = new RateLimiter(config.limits.rateLimitRps, config.limits.rateLimitBurst);
  metrics.samplers.push(() => {
    metrics.inflight.set(limiter.inflight);
    metrics.pending.set(limiter.pending);
    if (options.backend) metrics.backendQueueDepth.set(options.backend.stats().queueDepth);
  });

  const handlers = createInferenceHandlers({
    deidentifier: options.deidentifier,
    backend: options.backend,
    limiter,
    metrics,
    logger,
    maxTextChars: config.http.maxTextChars,
    maxBatchTexts: config.http.maxBatchTexts,
  });
  const openApi = JSON.stringify(
    buildOpenApiDocument({
      maxTextChars: config.http.maxTextChars,
      maxBatchTexts: config.http.maxBatchTexts,
      tokenEndpoint: options.oauth !== undefined,
    }),
  );
  const jwks = publishedJwks(options);

  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  app.set("query parser", false);

  app.use(requestContext(logger, metrics));
  app.use((_req, res, next) => {
    // Answers derive from clinical text: no shared cache may keep them. Public documents override this.
    res.setHeader("Cache-Control", "no-store");
    res.setHeader("X-Content-Type-Options", "nosniff");
    if (state.draining) res.setHeader("Connection", "close");
    next();
  });

  const route =
    (name: string): RequestHandler =>
    (_req, res, next) => {
      locals(res).route = name;
      next();
    };

  const rateLimit =
    (limiterFor: RateLimiter, key: (res: express.Response) => string): RequestHandler =>
    (_req, res, next) => {
      const decision = limiterFor.take(key(res));
      if (decision.allowed) return next();
      metrics.rateLimited.inc();
      next(
        new HttpProblem("rate-limited", "The per-client request rate limit is exceeded", {
          headers: { "Retry-After": String(decision.retryAfterSeconds) },
        }),
      );
    };
  const perClient = rateLimit(clientLimiter, (res) => locals(res).principal?.clientId ?? "");
  const body = jsonBody(config.http.maxBodyBytes);

  app.post(
    "/v1/sentiment",
    route("/v1/sentiment"),
    requireScope(verifier, metrics, SCOPES.invoke),
    perClient,
    body,
    handlers.sentiment,
  );
  app.post(
    "/v1/sentiment/batch",
    route("/v1/sentiment/batch"),
    requireScope(verifier, metrics, SCOPES.invoke),
    perClient,
    body,
    handlers.sentimentBatch,
  );
  app.post(
    "/v1/deidentify",
    route("/v1/deidentify"),
    requireScope(verifier, metrics, SCOPES.deidentify),
    perClient,
    body,
    handlers.deidentify,
  );

  if (options.oauth) {
    app.post(
      "/oauth2/token",
      route("/oauth2/token"),
      ...createTokenEndpoint({
        rateLimit: (key) => tokenLimiter.take(key),
        signer: options.oauth.signer,
        clients: options.oauth.clients,
        issuer: config.auth.issuer,
        audience: config.auth.audience,
        ttlSeconds: config.oauth?.tokenTtlS ?? 300,
        onResult: (res, outcome) => {
          locals(res).tokenClientId = outcome.clientId;
          metrics.tokensIssued.inc({ outcome: outcome.error ?? "issued" });
          if (outcome.error === "rate_limited") metrics.rateLimited.inc();
          if (outcome.error === "invalid_client") {
            locals(res).authFailure = "invalid_client";
            metrics.authFailures.inc({ reason: "invalid_client" });
          }
        },
      }),
    );
  } else {
    app.post("/oauth2/token", route("/oauth2/token"), () => {
      throw new HttpProblem(
        "token-endpoint-disabled",
        "This gateway does not issue tokens (OAUTH_SIGNING_KEY_FILE is not set); get one from your identity provider",
      );
    });
  }

  app.get("/.well-known/jwks.json", route("/.well-known/jwks.json"), (_req, res) => {
    res.setHeader("Cache-Control", "public, max-age=300");
    res.type("application/json").send(jwks);
  });
  app.get("/openapi.json", route("/openapi.json"), (_req, res) => {
    res.setHeader("Cache-Control", "public, max-age=300");
    res.type("application/json").send(openApi);
  });
  app.get("/healthz", route("/healthz"), (_req, res) => {
    res.json({ status: "ok" });
  });
  app.get("/readyz", route("/readyz"), async (_req, res) => {
    if (state.draining) throw new HttpProblem("shutting-down", "The gateway is shutting down");
    if (!options.deidentifier) {
      throw new HttpProblem("dependency-missing", "The de-identification engine is not configured", {
        extensions: { missing: "de-identification engine" },
      });
    }
    if (!options.backend) {
      throw new HttpProblem("dependency-missing", "The inference backend is not configured", {
        extensions: { missing: "inference backend" },
      });
    }
    let ready = false;
    try {
      ready = await options.backend.ready();
    } catch {
      ready = false;
    }
    if (!ready) throw new HttpProblem("not-ready", "The inference backend or its model is not ready");
    res.json({ status: "ready", model: options.backend.modelInfo() });
  });

  for (const [path, methods] of Object.entries(ROUTES)) {
    app.all(path, route(path), () => {
      throw new HttpProblem("method-not-allowed", `${path} answers ${methods.join(", ")}`, {
        headers: { Allow: methods.join(", ") },
      });
    });
  }
  app.use(() => {
    throw new HttpProblem("not-found", "No route matches this path");
  });

  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
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
  app.use(onError);
  return { app, state };
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

function publishedJwks(options: AppOptions): string {
  const keys = new Map<string, JWK>();
  if (options.oauth) keys.set(options.oauth.signer.kid, options.oauth.signer.publicJwk);
  for (const key of options.publishedKeys?.keys ?? []) keys.set(key.kid ?? JSON.stringify(key), key);
  return JSON.stringify({ keys: [...keys.values()] });
}
