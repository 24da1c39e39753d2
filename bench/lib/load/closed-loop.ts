/**
 * Closed-loop load with autocannon: N connections, each sends its next request when the previous one
 * answers. This finds saturation throughput; its latencies are not what an open system would see
 * (coordinated omission), which is what the open-loop driver is for.
 */
import autocannon from "autocannon";
import { summarizeLatencies } from "../stats";
import type { LoadRunResult, LoadTarget } from "./types";

export interface ClosedLoopOptions {
  concurrency: number;
  durationS: number;
  timeoutS?: number;
}

export async function runClosedLoop(target: LoadTarget, opts: ClosedLoopOptions): Promise<LoadRunResult> {
  if (target.bodies.length === 0) throw new Error("closed loop: the workload has no request bodies");
  let next = 0;
  const okLatencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  let responses = 0;
  let non2xx = 0;
  let reqErrors = 0;

  const instance = autocannon({
    url: `${target.origin}${target.path}`,
    connections: opts.concurrency,
    duration: opts.durationS,
    timeout: opts.timeoutS ?? 30,
    method: "POST",
    headers: { "content-type": "application/json", ...target.headers },
    requests: [
      {
        method: "POST",
        path: target.path,
        // A shared cursor so concurrent connections walk the workload together rather than all
        // sending sentence 0 first.
        setupRequest: (req) => {
          const body = target.bodies[next % target.bodies.length] as string;
          next += 1;
          return { ...req, body };
        },
      },
    ],
  });
  instance.on("response", (_client, statusCode, _bytes, responseTimeMs) => {
    responses += 1;
    const key = String(statusCode);
    statusCounts[key] = (statusCounts[key] ?? 0) + 1;
    if (statusCode >= 200 && statusCode < 300) okLatencies.push(responseTimeMs);
    else non2xx += 1;
  });
  instance.on("reqError", () => {
    reqErrors += 1;
    statusCounts.error = (statusCounts.error ?? 0) + 1;
  });

  const result = await instance;
  const elapsedS = result.duration;
  const errors = non2xx + reqErrors;
  const sent = responses + reqErrors;
  return {
    mode: "closed",
    concurrency: opts.concurrency,
    targetRate: null,
    elapsedS,
    sent,
    ok: okLatencies.length,
    errors,
    dropped: 0,
    statusCounts,
    throughput: elapsedS > 0 ? okLatencies.length / elapsedS : 0,
    errorRate: sent > 0 ? errors / sent : 0,
    latency: summarizeLatencies(okLatencies),
  };
}
