import type { RequestHandler } from "express";
import { locals } from "../http/request-context";
import type { GatewayMetrics } from "../metrics";
import { HttpProblem } from "../problem";
import { AuthFailure, type AuthFailureReason, type TokenVerifier } from "./verifier";

const REALM = "clinical-inference";
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

function challenge(reason: AuthFailureReason, description: string, scope?: string): string {
  if (reason === "missing") return `Bearer realm="${REALM}"`;
  const error =
    reason === "insufficient_scope"
      ? "insufficient_scope"
      : reason === "token_in_query" || reason === "not_bearer"
        ? "invalid_request"
        : "invalid_token";
  return `Bearer realm="${REALM}", error="${error}", error_description="${description}"${scope ? `, scope="${scope}"` : ""}`;
}

function hasTokenInQuery(url: string): boolean {
  const q = url.indexOf("?");
  if (q < 0) return false;
  return new URLSearchParams(url.slice(q + 1)).has("access_token");
}

/**
 * Bearer-token authentication (RFC 6750 header form only) and scope check for one route. Failures answer
 * 401/400/403 problems with the matching WWW-Authenticate challenge and count the reason.
 */
export function requireScope(
  verifier: TokenVerifier,
  metrics: GatewayMetrics,
  scope: string,
): RequestHandler {
  const fail = (reason: AuthFailureReason): HttpProblem => {
    const description = new AuthFailure(reason).message;
    metrics.authFailures.inc({ reason });
    if (reason === "keys_unavailable") {
      return new HttpProblem("auth-keys-unavailable", description, { headers: { "Retry-After": "5" } });
    }
    const slug =
      reason === "insufficient_scope"
        ? "insufficient-scope"
        : reason === "token_in_query"
          ? "token-in-query"
          : reason === "missing" || reason === "not_bearer"
            ? "unauthenticated"
            : "invalid-token";
    return new HttpProblem(slug, description, {
      headers: {
        "WWW-Authenticate": challenge(
          reason,
          description,
          reason === "insufficient_scope" ? scope : undefined,
        ),
      },
      extensions: { reason },
    });
  };

  return async (req, res, next) => {
    const l = locals(res);
    // A token in the URL ends up in proxy and access logs; refuse it even when a header token is present.
    if (hasTokenInQuery(req.url)) {
      l.authFailure = "token_in_query";
      throw fail("token_in_query");
    }
    const header = req.headers.authorization;
    if (header === undefined || header === "") {
      l.authFailure = "missing";
      throw fail("missing");
    }
    const match = BEARER.exec(header);
    if (!match) {
      l.authFailure = "not_bearer";
      throw fail("not_bearer");
    }
    try {
      l.principal = await verifier.verify(match[1] as string);
    } catch (err) {
      if (!(err instanceof AuthFailure)) throw err;
      l.authFailure = err.reason;
      throw fail(err.reason);
    }
    if (!l.principal.scopes.includes(scope)) {
      l.authFailure = "insufficient_scope";
      throw fail("insufficient_scope");
    }
    next();
  };
}
