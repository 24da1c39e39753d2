/**
 * Open-loop, constant-rate load on undici. Request i is due at t0 + i/rate whether or not earlier requests
 * have answered, and its latency is measured from that intended time, so a stalled server shows up as
 * latency instead of silently lowering the send rate (no coordinated omission).
 */
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { Pool } from "undici";
import { summarizeLatencies } from "../stats";
import type { LoadRunResult, LoadTarget } from "./types";

export interface OpenLoopOptions {
  /** Intended requests per second. */
  rate: number;
  durationS: number;
  /** Sockets the driver may open (requests beyond it queue in the client, still timed from intent). */
  connections?: number;
  /** Past this many outstanding requests, due sends are counted as dropped instead of issued. */
  maxOutstanding?: number;
  /** Per-request limit; a request still unanswered this long after its intended time is an error. */
  timeoutS?: number;
}

export async function runOpenLoop(target: LoadTarget, opts: OpenLoopOptions): Promise<LoadRunResult> {
  if (!(opts.rate > 0)) throw new Error(`open loop: rate must be > 0 requests/s, got ${opts.rate}`);
  if (target.bodies.length === 0) throw new Error("open loop: the workload has no request bodies");
  const timeoutMs = (opts.timeoutS ?? 30) * 1000;
  const maxOutstanding = opts.maxOutstanding ?? 10_000;
  const pool = new Pool(target.origin, {
    connections: opts.connections ?? 256,
    pipelining: 1,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const headers = { "content-type": "application/json", ...target.headers };
  const intervalMs = 1000 / opts.rate;
  const total = Math.max(1, Math.round(opts.rate * opts.durationS));

  const okLatencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  let errors = 0;
  let dropped = 0;
  let sent = 0;
  let outstanding = 0;
  let lastCompletion = 0;
  const inflight = new Set<Promise<void>>();

  const send = (i: number, intended: number): void => {
    sent += 1;
    outstanding += 1;
    const body = target.bodies[i % target.bodies.length] as string;
    const p = pool
      .request({ path: target.path, method: "POST", headers, body, signal: AbortSignal.timeout(timeoutMs) })
      .then(async (res) => {
        await res.body.dump();
        const done = performance.now();
        lastCompletion = Math.max(lastCompletion, done);
        statusCounts[String(res.statusCode)] = (statusCounts[String(res.statusCode)] ?? 0) + 1;
        if (res.statusCode >= 200 && res.statusCode < 300) okLatencies.push(done - intended);
        else errors += 1;
      })
      .catch(() => {
        lastCompletion = Math.max(lastCompletion, performance.now());
        statusCounts.error = (statusCounts.error ?? 0) + 1;
        errors += 1;
      })
      .finally(() => {
        outstanding -= 1;
        inflight.delete(p);
      });
    inflight.add(p);
  };

  const t0 = performance.now() + 5;
  let i = 0;
  try {
    while (i < total) {
      const now = performance.now();
      // Issue everything that is due; a late timer tick sends a burst whose latencies include the lateness.
      while (i < total && t0 + i * intervalMs <= now) {
        if (outstanding >= maxOutstanding) dropped += 1;
        else send(i, t0 + i * intervalMs);
        i += 1;
      }
      if (i < total) {
        const wait = t0 + i * intervalMs - performance.now();
        await sleep(Math.max(0, Math.floor(wait)));
      }
    }
    await Promise.allSettled([...inflight]);
  } finally {
    await pool.close();
  }

  const elapsedS = Math.max(lastCompletion - t0, total * intervalMs) / 1000;
  const attempted = sent + dropped;
  return {
    mode: "open",
    concurrency: null,
    targetRate: opts.rate,
    elapsedS,
    sent,
    ok: okLatencies.length,
    errors,
    dropped,
    statusCounts,
    throughput: elapsedS > 0 ? okLatencies.length / elapsedS : 0,
    errorRate: attempted > 0 ? (errors + dropped) / attempted : 0,
    latency: summarizeLatencies(okLatencies),
  };
}
