/**
 * The fault-injection cases of issue 14, each bounded in time and sending only to loopback:
 *   overload   open loop at 2× and 5× the scenario's measured saturation;
 *   triton     Triton SIGKILLed during hybrid load, then restarted on the same ports;
 *   sigterm    SIGTERM to the gateway during load (Kubernetes rolling a pod).
 */
import { readFileSync } from "node:fs";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import {
  DEFAULT_MODEL_PRECISION,
  type ModelPrecision,
  REQUEST_DEADLINE,
} from "../../../gateway/src/deployment-contract";
import { REQUEST_TIMEOUT_HEADER } from "../../../gateway/src/limits/deadline";
import { EVENT_LOOP_SAMPLE_MS } from "../../../gateway/src/metrics";
import { type CpuSplit, startCpuSplitMeter } from "../cpu";
import { runClosedLoop } from "../load/closed-loop";
import type { LoadTarget } from "../load/types";
import { metricSum } from "../prometheus";
import type { LocalContext } from "../servers/context";
import { getText } from "../servers/metrics";
import type { Subject } from "../subject";
import { recordOpenLoop } from "./driver";
import { embeddedBatched, hybrid, restartableTriton } from "./subjects";
import {
  type CaseSummary,
  gatewayShedLatency,
  readGatewayLog,
  sigtermFault,
  summarize,
  tritonFault,
} from "./summary";

export interface CaseSettings {
  /** Seconds of each overload run. */
  overloadS: number;
  /** Closed-loop seconds for the saturation measurement (after a warm-up of a third of it). */
  saturationS: number;
  saturationConcurrency: number;
  /** The client: gives up after 10 s. */
  clientTimeoutS: number;
  multiples: readonly number[];
  /** The model file the embedded gateway runs (MODEL_PRECISION); int8 is the product's default. */
  precision: ModelPrecision;
}

export const DEFAULT_CASE_SETTINGS: CaseSettings = {
  overloadS: 12,
  saturationS: 9,
  saturationConcurrency: 32,
  clientTimeoutS: 10,
  multiples: [2, 5],
  precision: DEFAULT_MODEL_PRECISION,
};

const BUDGET_MS = REQUEST_DEADLINE.defaultMs;

/** The load of the fault runs: every request asks for the deployment's default budget. */
export function budgeted(target: LoadTarget): LoadTarget {
  return { ...target, headers: { ...target.headers, [REQUEST_TIMEOUT_HEADER]: String(BUDGET_MS) } };
}

/** Cores by who used them while `run` went on: the gateway's event loop, its other threads, the rest. */
async function metered<T>(
  subject: Subject,
  otherServerPids: () => number[],
  run: () => Promise<T>,
): Promise<{ result: T; cpu: CpuSplit | null }> {
  const meter = startCpuSplitMeter(subject.pids[0] as number, otherServerPids());
  const result = await run();
  return { result, cpu: meter.stop() };
}

/**
 * The gateway's event-loop delay p99 since the previous scrape (prom-client resets it per scrape), in ms beyond
 * its sampling interval.
 */
async function gatewayLoopDelayP99Ms(subject: Subject): Promise<number | undefined> {
  if (subject.metricsOrigin === undefined) return undefined;
  const seconds = metricSum(
    await getText(`${subject.metricsOrigin}/metrics`),
    "nodejs_eventloop_lag_p99_seconds",
  );
  return seconds === null ? undefined : Math.round((seconds * 1000 - EVENT_LOOP_SAMPLE_MS) * 10) / 10;
}

export async function saturation(
  subject: Subject,
  s: CaseSettings,
  otherServerPids: () => number[],
): Promise<{ throughput: number; cpu: CpuSplit | null }> {
  const opts = { concurrency: s.saturationConcurrency, timeoutS: s.clientTimeoutS };
  await runClosedLoop(subject.target, { ...opts, durationS: Math.ceil(s.saturationS / 3) });
  const { result, cpu } = await metered(subject, otherServerPids, () =>
    runClosedLoop(subject.target, { ...opts, durationS: s.saturationS }),
  );
  const { throughput } = result;
  if (!(throughput > 0)) {
    throw new Error(
      `${subject.id}: no request succeeded in the ${s.saturationS} s saturation run (machine too busy?)`,
    );
  }
  return { throughput, cpu };
}

async function settle(): Promise<void> {
  // Lets the server finish what the last run left queued before the next run starts.
  await sleep(3000);
}

async function overloadRuns(
  ctx: LocalContext,
  subject: Subject,
  s: CaseSettings,
  otherServerPids: () => number[] = () => [],
): Promise<CaseSummary[]> {
  const { throughput: sat, cpu: saturationCpu } = await saturation(subject, s, otherServerPids);
  ctx.progress.info(`${subject.id}: saturation ${sat.toFixed(1)} req/s`);
  const out: CaseSummary[] = [];
  for (const k of s.multiples) {
    await settle();
    ctx.progress.status(`${subject.id}: open loop at ${k}× saturation (${(k * sat).toFixed(0)} req/s)`);
    await gatewayLoopDelayP99Ms(subject); // resets the gateway's window
    const ownDelay = monitorEventLoopDelay({ resolution: 1 });
    ownDelay.enable();
    const { result: recording, cpu } = await metered(subject, otherServerPids, () =>
      recordOpenLoop(budgeted(subject.target), {
        rate: k * sat,
        maxDurationS: s.overloadS,
        clientTimeoutS: s.clientTimeoutS,
      }),
    );
    ownDelay.disable();
    const summary = summarize(`${k}× saturation`, subject.id, recording, sat, BUDGET_MS);
    const gatewayDelay = await gatewayLoopDelayP99Ms(subject);
    summary.eventLoopDelayP99Ms = {
      ...(gatewayDelay === undefined ? {} : { gateway: gatewayDelay }),
      // Its samples are 1 ms apart: what exceeds 1 ms is delay.
      loadGenerator: Math.round((ownDelay.percentile(99) / 1e6 - 1) * 10) / 10,
    };
    if (cpu !== null) summary.cpu = cpu;
    if (saturationCpu !== null) summary.saturationCpu = saturationCpu;
    if (subject.logFile !== undefined) {
      summary.shedInGateway = gatewayShedLatency(
        recording,
        readGatewayLog(readFileSync(subject.logFile, "utf8")),
      );
    }
    out.push(summary);
  }
  return out;
}

export async function embeddedCases(ctx: LocalContext, s: CaseSettings): Promise<CaseSummary[]> {
  const out: CaseSummary[] = [];
  let subject = await embeddedBatched(ctx, s.precision);
  let sat = 0;
  try {
    const runs = await overloadRuns(ctx, subject, s);
    sat = runs[0]?.saturation ?? 0;
    out.push(...runs);
  } finally {
    await subject.stop();
  }
  // A fresh gateway for SIGTERM: the signal ends it.
  subject = await embeddedBatched(ctx, s.precision);
  try {
    await settle();
    ctx.progress.status("embedded-batched: SIGTERM to the gateway under load");
    let outstanding = () => 0;
    // The signal comes after a few seconds of load, once several requests are in flight (or after 15 s).
    const signalled = (async () => {
      await sleep(4000);
      for (let waited = 0; outstanding() < 4 && waited < 11_000; waited += 20) await sleep(20);
      const at = performance.now();
      process.kill(subject.pids[0] as number, "SIGTERM");
      return at;
    })();
    const recording = await recordOpenLoop(budgeted(subject.target), {
      outstanding: (count) => {
        outstanding = count;
      },
      rate: sat,
      until: signalled.then(() => sleep(2000)),
      maxDurationS: 20,
      clientTimeoutS: s.clientTimeoutS,
    });
    const summary = summarize("SIGTERM under load (1×)", subject.id, recording, sat, BUDGET_MS);
    // The gateway has exited: its log says which requests it answered and whether the drain was forced.
    await subject.stop();
    if (subject.logFile === undefined) throw new Error("SIGTERM case: the gateway subject names no log file");
    summary.fault = sigtermFault(
      recording,
      await signalled,
      readGatewayLog(readFileSync(subject.logFile, "utf8")),
    );
    out.push(summary);
  } finally {
    await subject.stop();
  }
  return out;
}

export async function hybridCases(ctx: LocalContext, s: CaseSettings): Promise<CaseSummary[]> {
  const triton = await restartableTriton(ctx);
  const out: CaseSummary[] = [];
  try {
    const subject = await hybrid(ctx, triton);
    try {
      const runs = await overloadRuns(ctx, subject, s, () => [triton.current.pid]);
      out.push(...runs);
      const sat = runs[0]?.saturation ?? 0;
      await settle();
      ctx.progress.status("hybrid: Triton killed under load, then restarted");
      let killedAt = 0;
      let readyAt = 0;
      const fault = (async () => {
        await sleep(5000);
        killedAt = performance.now();
        triton.kill();
        await sleep(5000);
        await triton.restart();
        readyAt = performance.now();
        await sleep(8000);
      })();
      const recording = await recordOpenLoop(budgeted(subject.target), {
        rate: 0.5 * sat,
        until: fault,
        maxDurationS: 400,
        clientTimeoutS: s.clientTimeoutS,
      });
      await fault;
      const summary = summarize("Triton killed, restarted (0.5×)", subject.id, recording, sat, BUDGET_MS);
      summary.fault = { ...tritonFault(recording, killedAt, readyAt) };
      ctx.progress.info(
        `hybrid: Triton down ${((readyAt - killedAt) / 1000).toFixed(1)} s (restart included)`,
      );
      out.push(summary);
    } finally {
      await subject.stop();
    }
  } finally {
    await triton.current.stop();
  }
  return out;
}
