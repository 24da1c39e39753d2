/** A server set up for measurement: where to send load, what to sample around each run, how to stop it. */
import type { LoadTarget } from "./load/types";

export interface BatchCounters {
  /** Model executions so far (cumulative). */
  executions: number;
  /** Sequences those executions carried (cumulative). */
  items: number;
}

/** What a subject is, as the report shows it. */
export interface SubjectDescription {
  /** Scenario name, or scenario/part for scenarios with two servers (gateway-overhead). */
  id: string;
  scenario: string;
  label: string;
  description: string;
  /** Set when the thing under load is a measuring instrument rather than a product path. */
  instrument: string | null;
  /** What served the requests: processes, backend, batching settings. */
  server: Record<string, string | number | boolean>;
}

export interface Subject extends SubjectDescription {
  target: LoadTarget;
  /** Local server processes whose CPU time is metered (empty for a remote target). */
  pids: number[];
  /** Cumulative batch counters; null when the server exposes none. */
  batchCounters(): Promise<BatchCounters | null>;
  /**
   * Requests the server still holds (queued or executing), from its own gauges; undefined when it exposes
   * none. Used to let a server drain between runs.
   */
  inFlight?(): Promise<number>;
  /** Padded sequence length of each workload body as the model sees it; null when no model is involved. */
  paddedLengths: number[] | null;
  /** Where the local server's Prometheus metrics are read, when it has its own metrics port. */
  metricsOrigin?: string;
  /** The local server's log file, for checks that read what the server recorded. */
  logFile?: string;
  /** Called before each run: a remote target's token may need renewing. */
  beforeRun?(): Promise<void>;
  stop(): Promise<void>;
}
