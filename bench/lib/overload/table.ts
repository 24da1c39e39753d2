/** The fault-injection results as the Markdown table docs/benchmarks.md quotes. */
import type { CaseSummary } from "./summary";

const ms = (v: number) => (Number.isFinite(v) ? String(Math.round(v)) : "–");

function fiveXx(s: CaseSummary): string {
  const entries = Object.entries(s.fiveXx).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? "none" : entries.map(([k, n]) => `${n} × ${k}`).join("<br>");
}

function fault(s: CaseSummary): string {
  const f = s.fault;
  if (f === undefined) return "";
  const parts: string[] = [];
  if (f.recoveryS !== undefined) parts.push(`first 200 ${f.recoveryS} s after Triton ready`);
  if (f.otherThan503DuringFault !== undefined)
    parts.push(`${f.otherThan503DuringFault} non-503/504 errors while down`);
  if (f.acceptedLost !== undefined) parts.push(`${f.acceptedLost} of ${f.inFlightAtSignal} in flight lost`);
  if (f.resetBeforeGateway) parts.push(`${f.resetBeforeGateway} reset before reaching the gateway`);
  if (f.refusedAfterSignal !== undefined)
    parts.push(`${f.refusedAfterSignal} sends refused after the signal`);
  return parts.join("; ");
}

function shedCell(s: CaseSummary): string {
  const client = `${s.shed.count} (${ms(s.shed.p50)} / ${ms(s.shed.p99)})`;
  const g = s.shedInGateway;
  return g === undefined || g.count === 0 ? client : `${client}<br>in the gateway ${g.p50} / ${g.p99}`;
}

const cores = (v: number | undefined) => (v === undefined ? "–" : v.toFixed(2));

/** Who used the cores: the saturation run each case is a multiple of, then the case itself. */
function renderCpuTable(summaries: readonly CaseSummary[]): string {
  const rows: string[] = [];
  const seen = new Set<string>();
  for (const s of summaries) {
    if (s.cpu === undefined) continue;
    const splits: [string, CaseSummary["cpu"]][] = [];
    if (!seen.has(s.scenario) && s.saturationCpu !== undefined)
      splits.push(["saturation (closed loop)", s.saturationCpu]);
    seen.add(s.scenario);
    splits.push([s.case, s.cpu]);
    for (const [name, c] of splits) {
      const delay = name === s.case ? s.eventLoopDelayP99Ms : undefined;
      const delays = delay === undefined ? "–" : `${delay.gateway ?? "–"} / ${delay.loadGenerator}`;
      rows.push(
        `| ${s.scenario} | ${name} | ${cores(c?.eventLoop)} | ${cores(c?.gatewayOtherThreads)} | ${cores(c?.otherServers)} | ${cores(c?.loadGenerator)} | ${delays} |`,
      );
    }
  }
  if (rows.length === 0) return "";
  return [
    "",
    "Cores used, by who used them (1.00 = one core busy the whole run):",
    "",
    "| scenario | run | gateway event loop | other gateway threads (model workers, ONNX Runtime, V8) | Triton | load generator | event-loop delay p99 ms: gateway / load generator |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
    "",
  ].join("\n");
}

export function renderOverloadTable(summaries: readonly CaseSummary[]): string {
  const header = [
    "| scenario | case | offered req/s | goodput req/s (of saturation) | accepted p50 / p95 / p99 ms | shed (p50 / p99 ms) | 5xx by type | client timeouts | recovery / loss |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  const rows = summaries.map((s) =>
    [
      s.scenario,
      s.case,
      `${s.offeredRate} (saturation ${s.saturation})`,
      `${s.goodput} (${Math.round(s.goodputOfSaturation * 100)}%)`,
      `${ms(s.accepted.p50)} / ${ms(s.accepted.p95)} / ${ms(s.accepted.p99)} (${s.accepted.count} ok)`,
      shedCell(s),
      fiveXx(s),
      String(
        s.clientTimeouts + s.connectionErrors === 0
          ? 0
          : `${s.clientTimeouts} (+${s.connectionErrors} conn. errors)`,
      ),
      fault(s),
    ].join(" | "),
  );
  return `${[...header, ...rows.map((r) => `| ${r} |`)].join("\n")}\n${renderCpuTable(summaries)}`;
}
