/**
 * The latency budget of one request. It starts when the request reaches the gateway, is REQUEST_DEADLINE_MS
 * unless the client asks for less with the Request-Timeout header, and every later stage (admission, the
 * gateway's queues, Triton's queue) sees only what is left of it. Times are on performance.now()'s monotonic
 * clock, so a wall-clock step cannot stretch or cut a budget.
 */
import { performance } from "node:perf_hooks";
import type { RequestHandler, Response } from "express";
import { HttpProblem } from "../problem";

export { DeadlineExceededError, type ExpiryStage } from "./deadline-exceeded";

/** Milliseconds, a positive integer no larger than the gateway's own budget: clients may only lower it. */
export const REQUEST_TIMEOUT_HEADER = "Request-Timeout";
export const MIN_REQUEST_TIMEOUT_MS = 1;

export interface Deadline {
  /** The budget this request runs under, in ms. */
  budgetMs: number;
  /** performance.now() at which the budget is spent. */
  expiresAt: number;
}

export function remainingMs(deadline: Deadline, now = performance.now()): number {
  return deadline.expiresAt - now;
}

/**
 * Parses the Request-Timeout header. Absent means "the gateway's budget"; anything else must be the digits of
 * an integer in [MIN_REQUEST_TIMEOUT_MS, maxMs]. The problem names the header and the range, never the value.
 */
export function parseRequestTimeout(raw: string | string[] | undefined, maxMs: number): number | undefined {
  if (raw === undefined) return undefined;
  const value = Array.isArray(raw) ? undefined : raw.trim();
  const parsed = value !== undefined && /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
  if (!(parsed >= MIN_REQUEST_TIMEOUT_MS && parsed <= maxMs)) {
    throw new HttpProblem(
      "invalid-header",
      `${REQUEST_TIMEOUT_HEADER} must be one integer number of milliseconds from ${MIN_REQUEST_TIMEOUT_MS} to ${maxMs}`,
      { extensions: { header: REQUEST_TIMEOUT_HEADER, minimum: MIN_REQUEST_TIMEOUT_MS, maximum: maxMs } },
    );
  }
  return parsed;
}

const arrivals = new WeakMap<Response, number>();

/** First middleware of the app: the budget counts from here, so auth and de-identification spend it too. */
export function markArrival(now: () => number = () => performance.now()): RequestHandler {
  return (_req, res, next) => {
    arrivals.set(res, now());
    next();
  };
}

/** The deadline of this request: its arrival plus the smaller of the gateway's budget and the client's. */
export function requestDeadline(
  headerValue: string | string[] | undefined,
  res: Response,
  defaultBudgetMs: number,
): Deadline {
  const asked = parseRequestTimeout(headerValue, defaultBudgetMs);
  const budgetMs = asked ?? defaultBudgetMs;
  const arrivedAt = arrivals.get(res) ?? performance.now();
  return { budgetMs, expiresAt: arrivedAt + budgetMs };
}
