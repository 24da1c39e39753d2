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
      `${s.shed.count} (${ms(s.shed.p50)} / ${ms(s.shed.p99)})`,
      fiveXx(s),
      String(
        s.clientTimeouts + s.connectionErrors === 0
          ? 0
          : `${s.clientTimeouts} (+${s.connectionErrors} conn. errors)`,
      ),
      fault(s),
    ].join(" | "),
  );
  return `${[...header, ...rows.map((r) => `| ${r} |`)].join("\n")}\n`;
}
