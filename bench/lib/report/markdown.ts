/** The Markdown summary written next to results.json (and pasted into docs/benchmarks.md). */
import { layoutLabel } from "../ceiling-layout";
import type { BenchResults, LoadPoint, SubjectResult } from "../results";
import type { Spread } from "../stats";

const n = (v: number | null | undefined, digits = 1) =>
  v === null || v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(digits);

/** Median, with the repetitions' range when there was more than one. */
function withRange(s: Spread | null, digits = 1): string {
  if (!s || !Number.isFinite(s.median)) return "–";
  if (s.values.length < 2) return n(s.median, digits);
  return `${n(s.median, digits)} (${n(s.min, digits)}–${n(s.max, digits)})`;
}

function loadLabel(p: LoadPoint): string {
  return p.mode === "closed" ? `closed, c=${p.concurrency}` : `open, ${p.targetRate}/s`;
}

function subjectRows(s: SubjectResult): string[] {
  return [...s.closedLoop, ...s.openLoop].map((p) =>
    [
      s.id,
      loadLabel(p),
      withRange(p.throughput),
      withRange(p.p50),
      withRange(p.p95),
      withRange(p.p99),
      n(p.errorRate.median * 100, 2),
      withRange(p.meanBatchSize, 2),
      withRange(p.serverCpuCores, 2),
      n(p.loadGeneratorCpuCores.median, 2),
      n(s.gflopsPerRequest, 2),
      withRange(p.achievedGflops, 0),
    ].join(" | "),
  );
}

export function summaryTable(results: BenchResults): string {
  const lines = [
    "| scenario | saturation req/s | at concurrency | p50 ms | p95 ms | p99 ms | mean batch | server CPU cores | server CPU ms/request | GFLOP/request | GFLOP/s at saturation | % of its ceiling |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const s of results.subjects) {
    if (s.failure || !s.saturation) {
      lines.push(`| ${s.id} | not measured: ${s.failure ?? "no successful requests"} | | | | | | | | | | |`);
      continue;
    }
    const sat = s.saturation;
    const point = s.closedLoop.find((p) => p.concurrency === sat.concurrency);
    const gflops = s.gflopsPerRequest === null ? null : sat.throughput * s.gflopsPerRequest;
    const cpu = point?.serverCpuCores?.median;
    // CPU time per request is steadier than throughput on a shared machine: contention stretches wall time,
    // not the work done.
    const cpuMsPerRequest = cpu !== undefined && sat.throughput > 0 ? (cpu / sat.throughput) * 1000 : null;
    lines.push(
      `| ${s.id} | ${n(sat.throughput)} | ${sat.concurrency} | ${n(sat.p50)} | ${n(sat.p95)} | ${n(sat.p99)} | ${n(point?.meanBatchSize?.median, 2)} | ${n(cpu, 2)} | ${n(cpuMsPerRequest, 2)} | ${n(s.gflopsPerRequest, 2)} | ${n(gflops, 0)} | ${s.ceilingShare == null ? "–" : `${n(s.ceilingShare * 100, 0)}% (${s.server.precision})`} |`,
    );
  }
  return lines.join("\n");
}

/** ONNX Runtime alone, measured before the scenarios: what every "% of its ceiling" divides by. */
export function ceilingTable(results: BenchResults): string {
  const lines = [
    "| precision | model file | layout | batch 1 seq/s | batch 1 GFLOP/s | best batch | best seq/s | best GFLOP/s | every batch (seq/s) |",
    "|---|---|---|---:|---:|---:|---:|---:|---|",
  ];
  for (const c of results.ceilings ?? []) {
    const all = c.points.map((p) => `${p.batchSize}: ${n(p.sequencesPerSecond)}`).join(", ");
    lines.push(
      `| ${c.precision} | ${c.modelFile} | ${layoutLabel(c.layout)} | ${n(c.batch1.sequencesPerSecond)} | ${n(c.batch1.gflops, 0)} | ${c.best.batchSize} | ${n(c.best.sequencesPerSecond)} | ${n(c.best.gflops, 0)} | ${all} |`,
    );
  }
  return lines.join("\n");
}

export function detailTable(results: BenchResults): string {
  const lines = [
    "| scenario | load | req/s | p50 ms | p95 ms | p99 ms | errors % | mean batch | server CPU cores | load-generator CPU cores | GFLOP/req | GFLOP/s |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const s of results.subjects) {
    if (s.failure) continue;
    for (const row of subjectRows(s)) lines.push(`| ${row} |`);
  }
  return lines.join("\n");
}

export function goalsTable(results: BenchResults): string {
  const lines = ["| goal | measured | ratio | required | met |", "|---|---|---:|---:|---|"];
  for (const g of results.goals) {
    const met = g.met === null ? "not evaluated" : g.met ? "**yes**" : "**no**";
    lines.push(`| ${g.goal} | ${g.detail} | ${n(g.ratio, 2)} | ${g.required} | ${met} |`);
  }
  return lines.join("\n");
}

function modelNote(results: BenchResults): string {
  const { synthetic, size } = results.model;
  if (synthetic === false) return ", real weights";
  if (synthetic !== true) return "";
  return size === "base"
    ? ", **synthetic weights** with the real DistilBERT-base shape and compute (predictions are meaningless; speed is representative)"
    : ", **synthetic weights**, reduced test shape (not representative of DistilBERT-base speed)";
}

export function renderMarkdown(results: BenchResults): string {
  const m = results.machine;
  const w = results.workload;
  const model = results.model;
  const buckets = Object.entries(w.buckets)
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map(([b, c]) => `${b}: ${c}`)
    .join(", ");
  return [
    `# Benchmark results (${results.preset} preset, ${results.mode})`,
    "",
    `- Run: ${results.startedAt} → ${results.finishedAt}; command \`${results.command}\``,
    `- Machine: ${m.cpuModel}${m.cpuMHz ? ` at ${m.cpuMHz} MHz` : ""}, ${m.logicalCores} logical cores, ${m.memoryGiB} GiB, flags ${m.cpuFlags.join(" ") || "–"}; ${m.os}; Node ${m.node}`,
    `- Load average (1/5/15 min): at start ${m.loadAverage.join(" / ")}, at end ${results.loadAverageAtEnd.join(" / ")}`,
    `- Model: ${model.name}${model.version ? ` v${model.version}` : ""}${model.size ? `, size ${model.size}` : ""}${modelNote(results)}`,
    `- Workload: ${w.sentences} clinical sentences (${w.withPhi} with PHI) from \`${w.file}\`; tokens min ${w.tokens.min} / p50 ${w.tokens.p50} / mean ${w.tokens.mean} / p95 ${w.tokens.p95} / max ${w.tokens.max}; padded bucket → sentences: ${buckets}; truncated ${w.truncated}`,
    `- Settings: warm-up ${results.settings.warmupS} s, ${results.settings.durationS} s per run, ${results.settings.repetitions} repetition(s) (median, range in parentheses), closed-loop concurrency ${results.settings.concurrency.join(", ")}, open-loop rates at ${results.settings.openLoopFractions.map((f) => `${Math.round(f * 100)}%`).join(", ")} of each scenario's saturation`,
    ...results.notes.map((note) => `- ${note}`),
    "",
    "## Ceiling: ONNX Runtime alone on the workload's bucket mix (no HTTP, no tokenizer)",
    "",
    ceilingTable(results),
    "",
    "## Saturation (closed loop, best median throughput)",
    "",
    summaryTable(results),
    "",
    "## Goals",
    "",
    goalsTable(results),
    "",
    "## Every load point",
    "",
    detailTable(results),
    "",
    ...results.subjects
      .filter((s) => s.instrument)
      .map((s) => `- \`${s.id}\` is a measuring instrument: ${s.instrument}`),
    "",
  ].join("\n");
}
