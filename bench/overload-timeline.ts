/**
 * Second by second, what admission and the model do under open-loop overload of the embedded gateway: the
 * gateway's own gauges (admission's correction and time per text, requests in flight, the batcher's queue),
 * batches and texts per second, and the cores of the gateway and of this load generator. The overload cases
 * (bench/overload.ts) report totals; this shows the dynamics behind them (a correction that swings, a door
 * that opens and shuts). Loopback only, about 1 minute.
 *
 *   npx tsx bench/overload-timeline.ts [--multiples 2,5] [--overload-s 12] [--sessions N] [--precision int8]
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { MODEL_PRECISIONS, type ModelPrecision, REQUEST_DEADLINE } from "../gateway/src/deployment-contract";
import { REPO_ROOT } from "./lib/bench";
import { treeCpuTicks } from "./lib/cpu";
import { clockTicksPerSecond } from "./lib/machine";
import { budgeted, DEFAULT_CASE_SETTINGS, saturation } from "./lib/overload/cases";
import { recordOpenLoop } from "./lib/overload/driver";
import { embeddedBatched, overloadContext } from "./lib/overload/subjects";
import { summarize } from "./lib/overload/summary";
import { createProgress } from "./lib/progress";
import { metricSum } from "./lib/prometheus";
import { getText } from "./lib/servers/metrics";
import type { Subject } from "./lib/subject";

async function gauges(subject: Subject): Promise<Record<string, number | null>> {
  const text = await getText(`${subject.metricsOrigin}/metrics`);
  return {
    correction: metricSum(text, "gateway_admission_correction_ratio"),
    perTextMs: (metricSum(text, "gateway_admission_service_time_seconds") ?? Number.NaN) * 1000,
    inFlight: metricSum(text, "gateway_backend_inflight_requests"),
    queued: metricSum(text, "gateway_backend_queue_depth"),
  };
}

/** Samples once a second until `done` resolves; one line per second. */
async function sample(subject: Subject, done: Promise<unknown>): Promise<string[]> {
  let finished = false;
  void done.then(() => {
    finished = true;
  });
  const lines: string[] = [];
  const pid = subject.pids[0] as number;
  let prev = {
    t: performance.now(),
    ticks: treeCpuTicks(pid) ?? 0,
    self: process.cpuUsage(),
    batches: await subject.batchCounters(),
  };
  const start = prev.t;
  while (!finished) {
    await sleep(1000);
    const now = {
      t: performance.now(),
      ticks: treeCpuTicks(pid) ?? 0,
      self: process.cpuUsage(),
      batches: await subject.batchCounters(),
    };
    const g = await gauges(subject);
    const s = (now.t - prev.t) / 1000;
    const texts = (now.batches?.items ?? 0) - (prev.batches?.items ?? 0);
    const batches = (now.batches?.executions ?? 0) - (prev.batches?.executions ?? 0);
    const selfS = (now.self.user - prev.self.user + now.self.system - prev.self.system) / 1e6;
    const fmt = (v: number | null | undefined, digits: number) =>
      v === null || v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(digits);
    lines.push(
      [
        `t+${((now.t - start) / 1000).toFixed(0)}s`,
        `texts/s ${fmt(texts / s, 0)}`,
        `mean batch ${fmt(batches > 0 ? texts / batches : Number.NaN, 1)}`,
        `correction ${fmt(g.correction, 2)}`,
        `time/text ${fmt(g.perTextMs, 1)} ms`,
        `in flight ${fmt(g.inFlight, 0)}`,
        `batcher queue ${fmt(g.queued, 0)}`,
        `gateway cores ${fmt((now.ticks - prev.ticks) / clockTicksPerSecond() / s, 2)}`,
        `load generator cores ${fmt(selfS / s, 2)}`,
      ].join(" | "),
    );
    prev = now;
  }
  return lines;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      multiples: { type: "string", default: "2,5" },
      "overload-s": { type: "string", default: "12" },
      sessions: { type: "string" },
      precision: { type: "string", default: DEFAULT_CASE_SETTINGS.precision },
    },
    strict: true,
  });
  const multiples = (values.multiples ?? "").split(",").map(Number);
  if (multiples.length === 0 || !multiples.every((k) => Number.isFinite(k) && k > 0 && k <= 20)) {
    throw new Error(
      `--multiples must be numbers from 0 to 20 separated by commas, got "${values.multiples}"`,
    );
  }
  const overloadS = Number(values["overload-s"]);
  if (!(Number.isInteger(overloadS) && overloadS >= 2 && overloadS <= 120)) {
    throw new Error("--overload-s must be an integer from 2 to 120");
  }
  if (values.sessions !== undefined && !/^[1-9]\d?$/.test(values.sessions)) {
    throw new Error(`--sessions must be an integer from 1 to 99, got "${values.sessions}"`);
  }
  const precision = values.precision as ModelPrecision;
  if (!MODEL_PRECISIONS.includes(precision)) {
    throw new Error(`--precision must be one of ${MODEL_PRECISIONS.join(", ")}, got "${values.precision}"`);
  }
  const progress = createProgress();
  const secrets = mkdtempSync(path.join(os.tmpdir(), "bench-timeline-"));
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  try {
    const ctx = await overloadContext(
      secrets,
      path.join(REPO_ROOT, ".bench-results", "logs", `timeline-${stamp}`),
      progress,
    );
    const subject = await embeddedBatched(
      ctx,
      precision,
      values.sessions ? { ORT_SESSIONS: values.sessions } : {},
    );
    try {
      const { throughput } = await saturation(subject, DEFAULT_CASE_SETTINGS, () => []);
      progress.done();
      const sessions = values.sessions ?? "the default";
      process.stdout.write(
        `embedded-batched (${precision}, ORT_SESSIONS ${sessions}): saturation ${throughput.toFixed(1)} req/s\n`,
      );
      const target = budgeted(subject.target);
      for (const k of multiples) {
        await sleep(3000);
        const recording = recordOpenLoop(target, {
          rate: k * throughput,
          maxDurationS: overloadS,
          clientTimeoutS: DEFAULT_CASE_SETTINGS.clientTimeoutS,
        });
        const lines = await sample(subject, recording);
        const done = await recording;
        const { requests } = done;
        const { goodput } = summarize(`${k}×`, subject.id, done, throughput, REQUEST_DEADLINE.defaultMs);
        const counts: Record<string, number> = {};
        for (const r of requests) {
          const key = `${r.status}${r.problem ? ` ${r.problem}` : ""}`;
          counts[key] = (counts[key] ?? 0) + 1;
        }
        process.stdout.write(
          `\n${k}× saturation (${(k * throughput).toFixed(0)} req/s): goodput ${goodput.toFixed(1)} req/s (${Math.round((100 * goodput) / throughput)}%), ${JSON.stringify(counts)}\n${lines.map((l) => `  ${l}`).join("\n")}\n`,
        );
      }
    } finally {
      await subject.stop();
    }
  } finally {
    rmSync(secrets, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/overload-timeline: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
