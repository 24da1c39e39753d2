import type { RequestHandler } from "express";
import type { RateLimiter } from "../limits/rate-limiter";
import type { GatewayMetrics } from "../metrics";
import { HttpProblem } from "../problem";
import { locals } from "./request-context";

/** Per-client request rate limit, keyed by the authenticated client id, so it runs after authentication. */
export function clientRateLimit(limiter: RateLimiter, metrics: GatewayMetrics): RequestHandler {
  return (_req, res, next) => {
    const decision = limiter.take(locals(res).principal?.clientId ?? "");
    if (decision.allowed) return next();
    metrics.rateLimited.inc();
    next(
      new HttpProblem("rate-limited", "The per-client request rate limit is exceeded", {
        headers: { "Retry-After": String(decision.retryAfterSeconds) },
      }),
    );
  };
}
