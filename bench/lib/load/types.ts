import type { LatencySummary } from "../stats";

/** One HTTP endpoint under load and the request bodies it is sent, cycled in order. */
export interface LoadTarget {
  /** Origin, e.g. http://127.0.0.1:8080 or https://inference.example.org */
  origin: string;
  path: string;
  headers: Record<string, string>;
  bodies: readonly string[];
}

export interface LoadRunResult {
  mode: "closed" | "open";
  /** Closed loop: concurrent connections, each with one request outstanding. */
  concurrency: number | null;
  /** Open loop: intended requests per second. */
  targetRate: number | null;
  /** Seconds between the first send and the last completion. */
  elapsedS: number;
  /** Requests issued (open loop: issued on schedule; dropped ones are not issued). */
  sent: number;
  /** 2xx responses. */
  ok: number;
  /** Non-2xx responses, connection errors and timeouts. */
  errors: number;
  /** Open loop only: scheduled sends skipped because the outstanding-request cap was reached. */
  dropped: number;
  statusCounts: Record<string, number>;
  /** 2xx responses per second. */
  throughput: number;
  /** (errors + dropped) / (sent + dropped). */
  errorRate: number;
  /** Latency of 2xx responses, ms (open loop: from the intended send time). */
  latency: LatencySummary;
}
