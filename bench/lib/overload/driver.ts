/**
 * Open-loop load that keeps every request: when it was due, when and how it ended (status, problem type,
 * connection error, client timeout). Fault-injection cases need the timeline (what happened before and after
 * a kill) and the kind of each failure, which the summary-only driver in ../load does not keep. Like that
 * driver, request i is due at t0 + i/rate whatever happened before, and latency counts from that time.
 */
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { Pool } from "undici";
import type { LoadTarget } from "../load/types";

export interface RecordedRequest {
  /** Sent as X-Request-Id, which the gateway adopts and writes in its audit line: matches a request to its log. */
  id: string;
  /** ms on performance.now()'s clock. */
  due: number;
  done: number;
  /** HTTP status, or "error" (connection failed or reset) or "timeout" (no answer within the client limit). */
  status: number | "error" | "timeout";
  /** The problem type slug of a non-2xx answer (after the URN prefix), when the body had one. */
  problem?: string;
}

export interface OpenLoopRecording {
  rate: number;
  /** Every request id of this recording starts with it (then "-" and the request's index). */
  runId: string;
  startedAt: number;
  requests: RecordedRequest[];
}

export interface RecordingOptions {
  rate: number;
  /** Sends stop once this resolves or after maxDurationS, whichever comes first; answers are awaited. */
  until?: Promise<unknown>;
  maxDurationS: number;
  /** A request unanswered this long after it was due counts as a client timeout. */
  clientTimeoutS: number;
  connections?: number;
  /** Receives a getter of the requests sent and not yet answered, e.g. to inject a fault while some are. */
  outstanding?: (count: () => number) => void;
}

const PROBLEM_PREFIX = "urn:clinical-inference:problem:";

function problemOf(body: string): string | undefined {
  try {
    const type = (JSON.parse(body) as { type?: unknown }).type;
    return typeof type === "string" && type.startsWith(PROBLEM_PREFIX)
      ? type.slice(PROBLEM_PREFIX.length)
      : undefined;
  } catch {
    return undefined;
  }
}

export async function recordOpenLoop(target: LoadTarget, opts: RecordingOptions): Promise<OpenLoopRecording> {
  if (!(opts.rate > 0)) throw new Error(`open loop: rate must be > 0 requests/s, got ${opts.rate}`);
  const timeoutMs = opts.clientTimeoutS * 1000;
  const pool = new Pool(target.origin, {
    connections: opts.connections ?? 512,
    pipelining: 1,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const headers = { "content-type": "application/json", ...target.headers };
  const requests: RecordedRequest[] = [];
  const inflight = new Set<Promise<void>>();
  let stopped = false;
  opts.outstanding?.(() => inflight.size);
  void opts.until?.then(() => {
    stopped = true;
  });

  // Unique per recording and request, within the gateway's accepted id alphabet.
  const run = `ol${Date.now().toString(36)}`;
  const send = (i: number, due: number) => {
    const record: RecordedRequest = { id: `${run}-${i}`, due, done: Number.NaN, status: "error" };
    requests.push(record);
    const body = target.bodies[i % target.bodies.length] as string;
    const p = pool
      .request({
        path: target.path,
        method: "POST",
        headers: { ...headers, "x-request-id": record.id },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      })
      .then(async (res) => {
        const text = await res.body.text();
        record.status = res.statusCode;
        if (res.statusCode >= 300) record.problem = problemOf(text);
      })
      .catch((err: Error) => {
        record.status = err.name === "TimeoutError" || /timeout/i.test(err.message) ? "timeout" : "error";
      })
      .finally(() => {
        record.done = performance.now();
        inflight.delete(p);
      });
    inflight.add(p);
  };

  const intervalMs = 1000 / opts.rate;
  const t0 = performance.now() + 5;
  const end = t0 + opts.maxDurationS * 1000;
  let i = 0;
  try {
    while (!stopped && t0 + i * intervalMs < end) {
      const now = performance.now();
      while (t0 + i * intervalMs <= now && t0 + i * intervalMs < end) {
        send(i, t0 + i * intervalMs);
        i += 1;
      }
      await sleep(Math.max(0, Math.min(intervalMs, t0 + i * intervalMs - performance.now())));
    }
    await Promise.allSettled([...inflight]);
  } finally {
    await pool.destroy();
  }
  return { rate: opts.rate, runId: run, startedAt: t0, requests };
}
