/**
 * Fault injection, measured: the gateway's latency budget under overload, a Triton crash and a gateway SIGTERM.
 * Local only (every server binds 127.0.0.1), bounded (about 6 minutes on 2 cores, model start-ups included).
 *
 *   npx tsx bench/overload.ts [--cases embedded,hybrid] [--overload-s 12] [--precision int8|fp32] [--out …]
 *
 * Writes results.json and results.md (the table docs/benchmarks.md quotes) into --out.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { MODEL_PRECISIONS, type ModelPrecision } from "../gateway/src/deployment-contract";
import { REPO_ROOT } from "./lib/bench";
import { machineInfo } from "./lib/machine";
import { DEFAULT_CASE_SETTINGS, embeddedCases, hybridCases } from "./lib/overload/cases";
import { overloadContext } from "./lib/overload/subjects";
import { renderOverloadTable } from "./lib/overload/table";
import { createProgress } from "./lib/progress";

const CASES = { embedded: embeddedCases, hybrid: hybridCases } as const;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      cases: { type: "string", default: "embedded,hybrid" },
      "overload-s": { type: "string" },
      out: { type: "string" },
      precision: { type: "string" },
    },
    strict: true,
  });
  const names = (values.cases ?? "").split(",").filter(Boolean);
  for (const name of names) {
    if (!(name in CASES))
      throw new Error(`--cases: unknown case "${name}"; use ${Object.keys(CASES).join(",")}`);
  }
  const overloadS =
    values["overload-s"] === undefined ? DEFAULT_CASE_SETTINGS.overloadS : Number(values["overload-s"]);
  if (!(Number.isInteger(overloadS) && overloadS >= 2 && overloadS <= 120)) {
    throw new Error("--overload-s must be an integer from 2 to 120");
  }
  const precision = values.precision ?? DEFAULT_CASE_SETTINGS.precision;
  if (!(MODEL_PRECISIONS as readonly string[]).includes(precision)) {
    throw new Error(`--precision must be one of ${MODEL_PRECISIONS.join(", ")}, got "${precision}"`);
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const outDir = path.resolve(values.out ?? path.join(REPO_ROOT, ".bench-results", `overload-${stamp}`));
  mkdirSync(outDir, { recursive: true });
  const progress = createProgress();
  const secrets = mkdtempSync(path.join(os.tmpdir(), "bench-overload-"));
  const startedAt = new Date().toISOString();
  const machine = machineInfo();
  const settings = { ...DEFAULT_CASE_SETTINGS, overloadS, precision: precision as ModelPrecision };
  const summaries = [];
  const failures: string[] = [];
  try {
    const ctx = await overloadContext(
      secrets,
      path.join(REPO_ROOT, ".bench-results", "logs", `overload-${stamp}`),
      progress,
    );
    for (const name of names) {
      try {
        summaries.push(...(await CASES[name as keyof typeof CASES](ctx, settings)));
      } catch (err) {
        // One scenario failing (a server that would not start, a machine too busy) leaves the others measured.
        failures.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
        progress.info(`${name} not measured: ${failures.at(-1)}`);
      }
    }
  } finally {
    rmSync(secrets, { recursive: true, force: true });
  }
  progress.done();
  const results = {
    startedAt,
    finishedAt: new Date().toISOString(),
    machine,
    loadAverageAtEnd: os.loadavg().map((v) => Math.round(v * 100) / 100),
    settings,
    summaries,
    failures,
  };
  writeFileSync(path.join(outDir, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  const table = renderOverloadTable(summaries);
  writeFileSync(path.join(outDir, "results.md"), table);
  process.stdout.write(`${table}\nwritten to ${path.relative(REPO_ROOT, outDir)}\n`);
  if (failures.length > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/overload: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
