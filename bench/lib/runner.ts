/**
 * Measures one subject: warm-up, closed-loop concurrency sweep, then open-loop runs at fractions of the
 * saturation throughput just measured. Repetitions are interleaved (rep 1 of every point, then rep 2, ...) so a
 * slow drift on a shared machine spreads over all points instead of biasing one.
 */

import { setTimeout as sleep } from "node:timers/promises";
import { startCpuMeter } from "./cpu";
import { meanGflopsPerRequest, type TransformerShape } from "./flops";
import { runClosedLoop } from "./load/closed-loop";
import { runOpenLoop } from "./load/open-loop";
import type { LoadRunResult } from "./load/types";
import type { Progress } from "./progress";
import type { LoadPoint, MeasuredRun, PresetSettings, SubjectResult } from "./results";
import { spread } from "./stats";
import type { BatchCounters, Subject } from "./subject";

function pointOf(mode: "closed" | "open", key: number, runs: MeasuredRun[]): LoadPoint {
  const opt = (values: (number | null)[]) =>
    values.every((v) => v === null) ? null : spread(values.map((v) => (v === null ? Number.NaN : v)));
  return {
    mode,
    concurrency: mode === "closed" ? key : null,
    targetRate: mode === "open" ? key : null,
    runs,
    throughput: spread(runs.map((r) => r.throughput)),
    p50: spread(runs.map((r) => r.latency.p50)),
    p95: spread(runs.map((r) => r.latency.p95)),
    p99: spread(runs.map((r) => r.latency.p99)),
    errorRate: spread(runs.map((r) => r.errorRate)),
    meanBatchSize: opt(runs.map((r) => r.meanBatchSize)),
    serverCpuCores: opt(runs.map((r) => r.serverCpuCores)),
    loadGeneratorCpuCores: spread(runs.map((r) => r.loadGeneratorCpuCores)),
    achievedGflops: opt(runs.map((r) => r.achievedGflops)),
  };
}

/**
 * Waits until the server has finished the requests a closed-loop run left behind: autocannon stops at the
 * deadline with requests in flight, and a server that does not cancel them (Triton) would otherwise start the
 * next run behind a queue. Uses the server's in-flight gauges where it has them, else waits for its execution
 * counters to stop moving; servers with neither are fast enough that a short pause suffices.
 */
async function settle(subject: Subject, maxWaitS = 120): Promise<void> {
  const deadline = Date.now() + maxWaitS * 1000;
  if (subject.inFlight) {
    while (Date.now() < deadline && (await subject.inFlight()) > 0) await sleep(200);
    return;
  }
  const first = await subject.batchCounters();
  if (!first) {
    await sleep(500);
    return;
  }
  let last = first;
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    await sleep(250);
    const now = await subject.batchCounters();
    if (!now) return;
    if (now.items !== last.items || now.executions !== last.executions) {
      last = now;
      stableSince = Date.now();
    } else if (Date.now() - stableSince >= 2000) {
      return;
    }
  }
}

function batchMean(before: BatchCounters | null, after: BatchCounters | null): number | null {
  if (!before || !after) return null;
  const executions = after.executions - before.executions;
  return executions > 0 ? (after.items - before.items) / executions : null;
}

export async function measureSubject(
  subject: Subject,
  settings: PresetSettings,
  shape: TransformerShape | null,
  progress: Progress,
): Promise<Omit<SubjectResult, "failure">> {
  const gflopsPerRequest =
    shape && subject.paddedLengths ? meanGflopsPerRequest(shape, subject.paddedLengths) : null;

  const measured = async (run: () => Promise<LoadRunResult>, repetition: number): Promise<MeasuredRun> => {
    await subject.beforeRun?.();
    const before = await subject.batchCounters();
    const cpu = subject.pids.length > 0 ? startCpuMeter(subject.pids) : null;
    const clientCpu = process.cpuUsage();
    const clientStart = process.hrtime.bigint();
    const result = await run();
    const serverCpuCores = cpu ? cpu.stop() : null;
    const clientUsed = process.cpuUsage(clientCpu);
    const clientElapsedS = Number(process.hrtime.bigint() - clientStart) / 1e9;
    const after = await subject.batchCounters();
    await settle(subject);
    return {
      ...result,
      repetition,
      meanBatchSize: batchMean(before, after),
      serverCpuCores,
      loadGeneratorCpuCores: (clientUsed.user + clientUsed.system) / 1e6 / clientElapsedS,
      achievedGflops: gflopsPerRequest === null ? null : result.throughput * gflopsPerRequest,
    };
  };

  const maxConcurrency = Math.max(...settings.concurrency);
  if (settings.warmupS > 0) {
    progress.status(`${subject.id}: warm-up at concurrency ${maxConcurrency}`, settings.warmupS);
    await subject.beforeRun?.();
    await runClosedLoop(subject.target, { concurrency: maxConcurrency, durationS: settings.warmupS });
    await settle(subject);
  }

  const closedRuns = new Map<number, MeasuredRun[]>(settings.concurrency.map((c) => [c, []]));
  for (let rep = 1; rep <= settings.repetitions; rep++) {
    for (const c of settings.concurrency) {
      progress.status(
        `${subject.id}: closed loop, concurrency ${c}, repetition ${rep}/${settings.repetitions}`,
        settings.durationS,
      );
      const run = await measured(
        () => runClosedLoop(subject.target, { concurrency: c, durationS: settings.durationS }),
        rep,
      );
      closedRuns.get(c)?.push(run);
    }
  }
  const closedLoop = settings.concurrency.map((c) => pointOf("closed", c, closedRuns.get(c) ?? []));
  const best = closedLoop.reduce<LoadPoint | undefined>(
    (acc, p) => (acc === undefined || p.throughput.median > acc.throughput.median ? p : acc),
    undefined,
  );
  const saturation =
    best && best.throughput.median > 0
      ? {
          throughput: best.throughput.median,
          concurrency: best.concurrency as number,
          p50: best.p50.median,
          p95: best.p95.median,
          p99: best.p99.median,
        }
      : null;

  const openLoop: LoadPoint[] = [];
  if (saturation) {
    const rates = settings.openLoopFractions.map((f) => Math.max(1, Math.round(saturation.throughput * f)));
    const openRuns = new Map<number, MeasuredRun[]>(rates.map((r) => [r, []]));
    for (let rep = 1; rep <= settings.repetitions; rep++) {
      for (const rate of rates) {
        progress.status(
          `${subject.id}: open loop, ${rate} req/s, repetition ${rep}/${settings.repetitions}`,
          settings.durationS,
        );
        const run = await measured(
          () => runOpenLoop(subject.target, { rate, durationS: settings.durationS }),
          rep,
        );
        openRuns.get(rate)?.push(run);
      }
    }
    for (const rate of rates) openLoop.push(pointOf("open", rate, openRuns.get(rate) ?? []));
  }

  let paddedLengths: Record<string, number> | null = null;
  if (subject.paddedLengths) {
    paddedLengths = {};
    for (const l of subject.paddedLengths) paddedLengths[String(l)] = (paddedLengths[String(l)] ?? 0) + 1;
  }
  return {
    id: subject.id,
    scenario: subject.scenario,
    label: subject.label,
    description: subject.description,
    instrument: subject.instrument,
    server: subject.server,
    gflopsPerRequest,
    paddedLengths,
    closedLoop,
    openLoop,
    saturation,
  };
}
