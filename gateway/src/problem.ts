import type { Response } from "express";

/**
 * RFC 9457 problem details. Every error the gateway answers uses one of these types; clients may switch on
 * `type`, which never changes once published. Details are fixed sentences or numbers we chose: never a
 * fragment of the request (a parser message can quote the body, and the body is PHI).
 */
export const PROBLEM_TYPE_PREFIX = "urn:clinical-inference:problem:";

export const PROBLEMS = {
  "invalid-json": { status: 400, title: "Request body is not valid JSON" },
  "invalid-request": { status: 400, title: "Request body has the wrong shape" },
  "invalid-header": { status: 400, title: "A request header is malformed or out of range" },
  "invalid-field": { status: 422, title: "A request field is missing or has the wrong type" },
  "empty-text": { status: 422, title: "Text is empty" },
  "unsupported-media-type": { status: 415, title: "Unsupported media type" },
  "body-too-large": { status: 413, title: "Request body is too large" },
  "text-too-long": { status: 413, title: "Text is too long" },
  "too-many-texts": { status: 413, title: "Too many texts in one batch" },
  "not-found": { status: 404, title: "Not found" },
  "method-not-allowed": { status: 405, title: "Method not allowed" },
  unauthenticated: { status: 401, title: "Authentication required" },
  "invalid-token": { status: 401, title: "Invalid access token" },
  "token-in-query": { status: 400, title: "Access tokens are not accepted in the query string" },
  "insufficient-scope": { status: 403, title: "Insufficient scope" },
  "rate-limited": { status: 429, title: "Too many requests" },
  overloaded: { status: 503, title: "Gateway is at capacity" },
  "dependency-missing": { status: 503, title: "A required component is not configured" },
  "backend-unavailable": { status: 503, title: "Inference backend unavailable" },
  "backend-timeout": { status: 504, title: "Inference backend timed out" },
  "deadline-exceeded": { status: 504, title: "The request's latency budget ran out" },
  "auth-keys-unavailable": { status: 503, title: "Token verification keys are unavailable" },
  "not-ready": { status: 503, title: "Not ready" },
  "shutting-down": { status: 503, title: "Shutting down" },
  "token-endpoint-disabled": { status: 404, title: "Token endpoint is not enabled" },
  internal: { status: 500, title: "Internal error" },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemSlug = keyof typeof PROBLEMS;

export interface ProblemExtras {
  /** Extra headers such as Retry-After, Allow, WWW-Authenticate. */
  headers?: Record<string, string>;
  /** RFC 9457 extension members (JSON Pointer errors, limits). Never request content. */
  extensions?: Record<string, unknown>;
}

export class HttpProblem extends Error {
  constructor(
    readonly slug: ProblemSlug,
    readonly detail: string,
    readonly extras: ProblemExtras = {},
  ) {
    super(detail);
    this.name = "HttpProblem";
  }

  get status(): number {
    return PROBLEMS[this.slug].status;
  }
}

export function problemBody(slug: ProblemSlug, detail: string, requestId?: string, extensions?: object) {
  const def = PROBLEMS[slug];
  return {
    type: PROBLEM_TYPE_PREFIX + slug,
    title: def.title,
    status: def.status,
    detail,
    ...extensions,
    ...(requestId ? { requestId } : {}),
  };
}

export function sendProblem(res: Response, problem: HttpProblem): void {
  const requestId = res.locals.requestId as string | undefined;
  res.locals.problem = problem.slug;
  for (const [name, value] of Object.entries(problem.extras.headers ?? {})) res.setHeader(name, value);
  res
    .status(problem.status)
    .type("application/problem+json")
    .send(JSON.stringify(problemBody(problem.slug, problem.detail, requestId, problem.extras.extensions)));
}
