/**
 * The Grafana dashboard in dashboards/: every query is valid PromQL (Prometheus' own grammar), the panels the
 * operations guide relies on exist with the right expressions, and every gateway metric it reads is one the
 * gateway actually registers.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";

/** The slice of Prometheus' lezer PromQL parser used here (the package's types are ESM-only; the runtime ships CJS). */
interface PromqlParser {
  parse(input: string): {
    iterate(spec: { enter(node: { type: { isError: boolean }; from: number }): void }): void;
  };
}
const { parser } = require("@prometheus-io/lezer-promql") as { parser: PromqlParser };

interface Target {
  refId: string;
  expr: string;
  datasource: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: Target[];
}

const root = path.resolve(__dirname, "..");
/** Grafana's reference to the dashboard's datasource variable (a literal "${datasource}"). */
const DATASOURCE_VARIABLE = ["$", "{datasource}"].join("");
const dashboard = JSON.parse(readFileSync(path.join(root, "dashboards", "grafana-inference.json"), "utf8"));
const panels: Panel[] = dashboard.panels;
const queryPanels = panels.filter((p) => p.type !== "row");
const exprs = (title: string): string[] => {
  const panel = queryPanels.find((p) => p.title === title);
  if (!panel)
    throw new Error(`no panel titled "${title}"; panels: ${queryPanels.map((p) => p.title).join(", ")}`);
  return (panel.targets ?? []).map((t) => t.expr);
};

/** Grafana substitutes its variables before Prometheus sees the query; do the same with sample values. */
const asSentToPrometheus = (expr: string) =>
  expr.replaceAll("$__rate_interval", "1m").replaceAll("$model", "distilbert_sst2");

/** Character offsets of syntax errors in a PromQL expression, per Prometheus' lezer grammar. */
function promqlErrors(expr: string): number[] {
  const errors: number[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) errors.push(node.from);
    },
  });
  return errors;
}

test("the PromQL checker reports malformed queries", () => {
  expect(promqlErrors("sum(rate(foo[5m])")).not.toEqual([]);
  expect(promqlErrors("rate(foo[5x])")).not.toEqual([]);
  expect(promqlErrors("sum by (le) (rate(foo_bucket[5m]))")).toEqual([]);
});

test("every query on the dashboard is valid PromQL", () => {
  const all = queryPanels.flatMap((p) => (p.targets ?? []).map((t) => [p.title, t.refId, t.expr]));
  expect(all.length).toBeGreaterThanOrEqual(10);
  for (const [title, refId, expr] of all) {
    expect([title, refId, promqlErrors(asSentToPrometheus(expr as string))]).toEqual([title, refId, []]);
  }
});

test("panels have unique ids and every query uses the dashboard's Prometheus datasource variable", () => {
  const ids = panels.map((p) => p.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(dashboard.templating.list.find((v: { name: string }) => v.name === "datasource")).toMatchObject({
    type: "datasource",
    query: "prometheus",
  });
  for (const p of queryPanels) {
    expect(p.datasource).toEqual({ type: "prometheus", uid: DATASOURCE_VARIABLE });
    for (const t of p.targets ?? []) expect(t.datasource.uid).toBe(DATASOURCE_VARIABLE);
    expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
  }
});

test("no two panels overlap on the grid", () => {
  const overlaps = (a: Panel["gridPos"], b: Panel["gridPos"]) =>
    a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
  const clashes = panels.flatMap((a, i) =>
    panels.slice(i + 1).flatMap((b) => (overlaps(a.gridPos, b.gridPos) ? [`${a.title} / ${b.title}`] : [])),
  );
  expect(clashes).toEqual([]);
});

test("p50 and p95 latency come from histogram_quantile over the gateway's request histogram", () => {
  const [p50, p95] = exprs("Request latency p50 / p95");
  expect(p50).toMatch(
    /^histogram_quantile\(0\.5, sum by \(le\) \(rate\(gateway_http_request_duration_seconds_bucket/,
  );
  expect(p95).toMatch(
    /^histogram_quantile\(0\.95, sum by \(le\) \(rate\(gateway_http_request_duration_seconds_bucket/,
  );
});

test("throughput is the rate of answered API requests", () => {
  expect(exprs("Throughput")[0]).toMatch(/rate\(gateway_http_requests_total\{/);
});

test("average batch size is Triton's inferences per model execution", () => {
  expect(exprs("Average batch size")[0]).toMatch(
    /rate\(nv_inference_request_success\{[^}]*\}\[[^\]]+\]\)\) \/ sum\(rate\(nv_inference_exec_count/,
  );
});

test("queue time is Triton's cumulative queue microseconds per successful request, in ms", () => {
  expect(exprs("Queue and compute time per request")[0]).toMatch(
    /rate\(nv_inference_queue_duration_us.*\/ sum\(rate\(nv_inference_request_success.*\/ 1000$/,
  );
});

test("GPU utilisation comes from Triton's nv_gpu_utilization", () => {
  expect(exprs("GPU utilisation")[0]).toContain("nv_gpu_utilization");
});

test("the admission correction panel shows the factor admission multiplies its estimate by", () => {
  expect(exprs("Admission correction")).toEqual(["max(gateway_admission_correction_ratio)"]);
});

test("worker restarts are the increase of the restart counter by outcome (restarted, gave_up)", () => {
  expect(exprs("Inference worker restarts")[0]).toMatch(
    /^sum by \(outcome\) \(increase\(gateway_backend_worker_restarts_total\[\$__rate_interval\]\)\)$/,
  );
});

test("every gateway_* metric on the dashboard is registered by the gateway", () => {
  const source = readFileSync(path.join(root, "gateway", "src", "metrics.ts"), "utf8");
  const registered = new Set([...source.matchAll(/name: "(gateway_[a-z_]+)"/g)].map((m) => m[1]));
  expect(registered.size).toBeGreaterThan(0);
  const used = new Set(
    queryPanels.flatMap((p) =>
      (p.targets ?? []).flatMap((t) =>
        [...t.expr.matchAll(/\b(gateway_[a-z_]+)/g)].map((m) => m[1] as string),
      ),
    ),
  );
  for (const metric of used) {
    const base = metric.replace(/_(bucket|count|sum)$/, "");
    expect([metric, registered.has(metric) || registered.has(base)]).toEqual([metric, true]);
  }
});
