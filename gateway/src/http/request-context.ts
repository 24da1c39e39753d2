import { randomUUID } from "node:crypto";
import type { RequestHandler, Response } from "express";
import type { Logger } from "pino";
import { type PhiCounts, type Principal, phiSummary } from "../contracts";
import type { GatewayMetrics } from "../metrics";

/** What a request leaves behind for its audit record; set by the handlers on res.locals. */
export interface RequestLocals {
  requestId: string;
  route?: string;
  principal?: Principal;
  /** OAuth client that asked for a token (token endpoint only). */
  tokenClientId?: string;
  phiCounts?: PhiCounts;
  authFailure?: string;
  problem?: string;
}

export function locals(res: Response): RequestLocals {
  return res.locals as RequestLocals;
}

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Assigns the request id and, when the response is finished, writes exactly one audit record and the
 * request metrics. The record holds identities, the route template, counts and timings: no URL (it can carry
 * PHI in a query string), no headers, no body.
 */
export function requestContext(logger: Logger, metrics: GatewayMetrics): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const offered = req.headers["x-request-id"];
    const requestId = typeof offered === "string" && CLIENT_REQUEST_ID.test(offered) ? offered : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader("X-Request-Id", requestId);
    let recorded = false;
    const record = () => {
      if (recorded) return;
      recorded = true;
      const l = locals(res);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = l.route ?? "unmatched";
      const status = res.writableFinished ? res.statusCode : 499;
      const labels = { route, method: req.method, status: String(status) };
      metrics.requests.inc(labels);
      metrics.requestDuration.observe(labels, seconds);
      logger.info(
        {
          audit: true,
          requestId,
          method: req.method,
          route,
          status,
          latencyMs: Math.round(seconds * 1e6) / 1e3,
          sub: l.principal?.sub,
          client_id: l.principal?.clientId ?? l.tokenClientId,
          scopes: l.principal?.scopes,
          phi: l.phiCounts ? phiSummary(l.phiCounts) : undefined,
          authFailure: l.authFailure,
          problem: l.problem,
        },
        "request",
      );
    };
    res.once("finish", record);
    res.once("close", record);
    next();
  };
}
