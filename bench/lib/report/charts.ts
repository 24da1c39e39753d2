/**
 * Charts as SVG, specified in Vega-Lite and rendered headless by Vega (no browser, no canvas).
 * vega/vega-lite are ESM with top-level await, so they are loaded with dynamic import().
 */
import type { BenchResults } from "../results";

type Row = Record<string, string | number | null>;

function latencyRows(results: BenchResults): Row[] {
  const rows: Row[] = [];
  for (const s of results.subjects) {
    if (s.failure) continue;
    for (const p of [...s.closedLoop, ...s.openLoop]) {
      const load = p.mode === "closed" ? `concurrency ${p.concurrency}` : `${p.targetRate} req/s offered`;
      for (const [percentile, spread] of [
        ["p50", p.p50],
        ["p95", p.p95],
      ] as const) {
        if (!Number.isFinite(spread.median) || !Number.isFinite(p.throughput.median)) continue;
        rows.push({
          subject: s.id,
          mode: p.mode === "closed" ? "closed loop" : "open loop",
          percentile,
          load,
          throughput: round(p.throughput.median),
          latency: round(spread.median),
          order: p.mode === "closed" ? (p.concurrency ?? 0) : (p.targetRate ?? 0),
        });
      }
    }
  }
  return rows;
}

function concurrencyRows(results: BenchResults): Row[] {
  const rows: Row[] = [];
  for (const s of results.subjects) {
    if (s.failure) continue;
    for (const p of s.closedLoop) {
      if (!Number.isFinite(p.throughput.median)) continue;
      rows.push({
        subject: s.id,
        concurrency: p.concurrency,
        throughput: round(p.throughput.median),
        min: round(p.throughput.min),
        max: round(p.throughput.max),
      });
    }
  }
  return rows;
}

const round = (n: number) => Math.round(n * 100) / 100;

function title(results: BenchResults, what: string): { text: string; subtitle: string[] } {
  const synthetic = results.model.synthetic ? "synthetic " : "";
  return {
    text: what,
    subtitle: [
      `${synthetic}${results.model.name} (${results.model.size ?? "model"}), ${results.machine.cpuModel}, ${results.machine.logicalCores} cores`,
      `preset ${results.preset}, ${results.settings.durationS} s runs × ${results.settings.repetitions}, medians; load average at start ${results.machine.loadAverage.join(" / ")}`,
    ],
  };
}

export function latencyVsThroughputSpec(results: BenchResults): Record<string, unknown> {
  // One panel per scenario with its own scales: an echo server and a transformer differ by 100× in both axes.
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: title(results, "Latency vs throughput, per scenario"),
    data: { values: latencyRows(results) },
    facet: { field: "subject", type: "nominal", title: null },
    columns: 3,
    resolve: { scale: { x: "independent", y: "independent" } },
    spec: {
      width: 240,
      height: 170,
      mark: { type: "line", point: true },
      encoding: {
        x: { field: "throughput", type: "quantitative", title: "successful req/s" },
        y: { field: "latency", type: "quantitative", title: "latency (ms)" },
        color: { field: "percentile", type: "nominal", title: "percentile" },
        strokeDash: { field: "mode", type: "nominal", title: "load" },
        shape: { field: "mode", type: "nominal", title: "load" },
        order: { field: "order", type: "quantitative" },
        tooltip: [
          { field: "subject" },
          { field: "load" },
          { field: "percentile" },
          { field: "latency" },
          { field: "throughput" },
        ],
      },
    },
  };
}

export function throughputVsConcurrencySpec(results: BenchResults): Record<string, unknown> {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: title(results, "Throughput vs concurrency (closed loop)"),
    width: 560,
    height: 340,
    data: { values: concurrencyRows(results) },
    encoding: {
      x: {
        field: "concurrency",
        type: "quantitative",
        scale: { type: "log", base: 2 },
        title: "concurrent connections",
      },
      color: { field: "subject", type: "nominal", title: "scenario", legend: { labelLimit: 320 } },
    },
    layer: [
      {
        mark: { type: "line", point: true },
        encoding: {
          // Log scale: the model scenarios (tens of req/s) and the gateway-overhead pair (thousands) share
          // one chart without the former collapsing onto the axis.
          y: {
            field: "throughput",
            type: "quantitative",
            scale: { type: "log" },
            title: "throughput (successful req/s, log scale), median",
          },
        },
      },
      {
        mark: { type: "rule" },
        encoding: { y: { field: "min", type: "quantitative" }, y2: { field: "max" } },
      },
    ],
  };
}

export async function renderSvg(vegaLiteSpec: Record<string, unknown>): Promise<string> {
  const vl = await import("vega-lite");
  const vega = await import("vega");
  const compiled = vl.compile(vegaLiteSpec as unknown as Parameters<typeof vl.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export async function renderCharts(results: BenchResults): Promise<Record<string, string>> {
  return {
    "latency-vs-throughput.svg": await renderSvg(latencyVsThroughputSpec(results)),
    "throughput-vs-concurrency.svg": await renderSvg(throughputVsConcurrencySpec(results)),
  };
}
