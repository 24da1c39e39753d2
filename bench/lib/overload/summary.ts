/** What one fault-injection case reports, computed from the recorded timeline of every request. */
import type { CpuSplit } from "../cpu";
import { percentile } from "../stats";
import type { OpenLoopRecording, RecordedRequest } from "./driver";

export interface CaseSummary {
  case: string;
  scenario: string;
  offeredRate: number;
  /** The scenario's measured saturation throughput (closed loop), req/s. */
  saturation: number;
  sent: number;
  /** 200s answered within the budget, per second of sending. */
  goodput: number;
  goodputOfSaturation: number;
  accepted: { count: number; p50: number; p95: number; p99: number; max: number };
  shed: { count: number; p50: number; p99: number };
  /**
   * The same shed answers as the gateway timed them (its audit line's latencyMs, from the request's arrival in
   * the app to its answer): the rest of the client's figure is the client's own event loop, the kernel and
   * the wait before the gateway read the request.
   */
  shedInGateway?: { count: number; p50: number; p99: number };
  /**
   * Event-loop delay p99 during the run, in ms: the gateway's (prom-client's nodejs_eventloop_lag_p99_seconds,
   * reset by each scrape, read right before and right after) and the load generator's own. A request waits
   * that long to be read or sent, and no server-side timer sees it.
   */
  eventLoopDelayP99Ms?: { gateway?: number; loadGenerator: number };
  /** Cores used during this run, by who used them. */
  cpu?: CpuSplit;
  /** The same split during the closed-loop saturation run this case is compared with. */
  saturationCpu?: CpuSplit;
  /** "503 overloaded", "504 deadline-exceeded", "500 internal", ... */
  fiveXx: Record<string, number>;
  clientTimeouts: number;
  connectionErrors: number;
  budgetMs: number;
  /** Fault cases: see FaultTimeline. */
  fault?: FaultSummary;
}

export interface FaultSummary {
  /** Triton: from the restarted Triton answering ready to the gateway's first 200 afterwards (s). */
  recoveryS?: number;
  /** Answers other than 200 and 503/504 during the fault window (should be 0: never 500). */
  otherThan503DuringFault?: number;
  /**
   * SIGTERM: requests sent before the signal that the gateway received (its audit log names them, or its drain
   * was forced, so any of them may have been) and whose answer the client never got.
   */
  acceptedLost?: number;
  /** SIGTERM: requests sent before the signal that failed on the connection and never reached the gateway. */
  resetBeforeGateway?: number;
  /** SIGTERM: requests sent before the signal, all answered. */
  inFlightAtSignal?: number;
  /** SIGTERM: sends after the signal, refused by a closed listener (expected: the pod is leaving). */
  refusedAfterSignal?: number;
}

const latency = (r: RecordedRequest) => r.done - r.due;

function quantiles(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const q = (p: number) => Math.round(percentile(sorted, p) * 10) / 10;
  return { p50: q(50), p95: q(95), p99: q(99), max: q(100) };
}

export function summarize(
  name: string,
  scenario: string,
  recording: OpenLoopRecording,
  saturation: number,
  budgetMs: number,
): CaseSummary {
  const { requests, rate } = recording;
  const durationS = requests.length / rate;
  const ok = requests.filter((r) => r.status === 200);
  const good = ok.filter((r) => latency(r) <= budgetMs).length;
  const shed = requests.filter((r) => r.status === 503 && r.problem === "overloaded").map(latency);
  const fiveXx: Record<string, number> = {};
  for (const r of requests) {
    if (typeof r.status === "number" && r.status >= 500) {
      const key = `${r.status} ${r.problem ?? "?"}`;
      fiveXx[key] = (fiveXx[key] ?? 0) + 1;
    }
  }
  const goodput = Math.round((good / durationS) * 10) / 10;
  const shedQ = quantiles(shed);
  return {
    case: name,
    scenario,
    offeredRate: Math.round(rate * 10) / 10,
    saturation: Math.round(saturation * 10) / 10,
    sent: requests.length,
    goodput,
    goodputOfSaturation: Math.round((goodput / saturation) * 1000) / 1000,
    accepted: { count: ok.length, ...quantiles(ok.map(latency)) },
    shed: { count: shed.length, p50: shedQ.p50, p99: shedQ.p99 },
    fiveXx,
    clientTimeouts: requests.filter((r) => r.status === "timeout").length,
    connectionErrors: requests.filter((r) => r.status === "error").length,
    budgetMs,
  };
}

/** Triton killed at killedAt and ready again at readyAt (performance.now() ms). */
export function tritonFault(recording: OpenLoopRecording, killedAt: number, readyAt: number): FaultSummary {
  const after = recording.requests.filter((r) => r.due >= readyAt && r.status === 200);
  const firstOk = after.length > 0 ? Math.min(...after.map((r) => r.done)) : Number.NaN;
  const during = recording.requests.filter((r) => r.done >= killedAt && r.due <= readyAt);
  return {
    recoveryS: Math.round(((firstOk - readyAt) / 1000) * 100) / 100,
    otherThan503DuringFault: during.filter((r) => r.status !== 200 && r.status !== 503 && r.status !== 504)
      .length,
  };
}

/** What the gateway's own log says about a SIGTERM run: the requests it answered, and whether its drain was forced. */
export interface GatewayLogFacts {
  answeredIds: ReadonlySet<string>;
  drainForced: boolean;
  /** latencyMs of each 503 overloaded answer, by request id. */
  shedLatencyMs: ReadonlyMap<string, number>;
}

/** The gateway's own timing of this recording's shed answers. */
export function gatewayShedLatency(
  recording: OpenLoopRecording,
  log: GatewayLogFacts,
): { count: number; p50: number; p99: number } {
  const prefix = `${recording.runId}-`;
  const values = [...log.shedLatencyMs].filter(([id]) => id.startsWith(prefix)).map(([, ms]) => ms);
  const q = quantiles(values);
  return { count: values.length, p50: q.p50, p99: q.p99 };
}

/** SIGTERM sent at signalAt (performance.now() ms), judged against the gateway's log of what it received. */
export function sigtermFault(
  recording: OpenLoopRecording,
  signalAt: number,
  log: GatewayLogFacts,
): FaultSummary {
  const before = recording.requests.filter((r) => r.due < signalAt);
  const inFlight = before.filter((r) => r.done >= signalAt);
  const failed = before.filter((r) => r.status === "error" || r.status === "timeout");
  // An unforced drain answered every request the gateway read, so one it never logged never reached it.
  const reached = failed.filter((r) => log.drainForced || log.answeredIds.has(r.id));
  return {
    inFlightAtSignal: inFlight.length,
    acceptedLost: reached.length,
    resetBeforeGateway: failed.length - reached.length,
    refusedAfterSignal: recording.requests.filter((r) => r.due >= signalAt && r.status === "error").length,
  };
}

/** Reads the gateway's pino log: the request ids of its audit lines and the "drained" line's forced flag. */
export function readGatewayLog(text: string): GatewayLogFacts {
  const answeredIds = new Set<string>();
  const shedLatencyMs = new Map<string, number>();
  let drainForced = true;
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const entry = JSON.parse(line) as {
        audit?: boolean;
        requestId?: string;
        msg?: string;
        forced?: boolean;
        problem?: string;
        latencyMs?: number;
      };
      if (entry.audit === true && typeof entry.requestId === "string") {
        answeredIds.add(entry.requestId);
        if (entry.problem === "overloaded" && typeof entry.latencyMs === "number") {
          shedLatencyMs.set(entry.requestId, entry.latencyMs);
        }
      }
      if (entry.msg === "drained") drainForced = entry.forced !== false;
    } catch {
      // a partial last line of a killed process
    }
  }
  return { answeredIds, drainForced, shedLatencyMs };
}
