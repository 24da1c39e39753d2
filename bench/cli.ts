/**
 * `npm run bench -- [options]`: runs the benchmark scenarios and writes results.json, results.md and SVG
 * charts. Exit status 0 when every selected scenario was measured, 1 when one could not be, 2 on bad usage.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { parseCli, USAGE, UsageError } from "./lib/args";
import { REPO_ROOT, runBenchmark, stopActiveSubject } from "./lib/bench";
import { createProgress } from "./lib/progress";
import { assertDocMarkers, renderDocSection, updateDoc } from "./lib/report/doc-section";
import { DEFAULT_WORKLOAD } from "./lib/workload";

/**
 * Documents written into the repository go through the repository's formatter (Biome formats Markdown tables),
 * so `npm run lint` stays green after a rerun. Files outside Biome's includes are left as they are.
 */
function formatForRepository(files: string[]): void {
  const biome = path.join(REPO_ROOT, "node_modules", ".bin", "biome");
  try {
    execFileSync(
      biome,
      ["format", "--write", "--files-ignore-unknown=true", "--no-errors-on-unmatched", ...files],
      {
        cwd: REPO_ROOT,
        stdio: "ignore",
      },
    );
  } catch {
    process.stderr.write(`bench: could not format ${files.join(", ")} with Biome; run \`npm run format\`\n`);
  }
}

async function main(): Promise<number> {
  const options = parseCli(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (options.updateDoc) assertDocMarkers(options.updateDoc);
  const progress = createProgress();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      progress.done();
      process.stderr.write(`bench: ${signal}, stopping the server under test\n`);
      stopActiveSubject().finally(() => process.exit(130));
    });
  }
  const redacted = process.argv
    .slice(2)
    .map((a, i, all) => (["--token", "--client-secret"].includes(all[i - 1] ?? "") ? "<redacted>" : a));
  const { results, files } = await runBenchmark({
    preset: options.preset,
    settings: options.settings,
    scenarios: options.scenarios,
    outDir: options.outDir,
    modelRepository: options.modelRepository,
    workloadFile: path.resolve(options.workloadFile ?? DEFAULT_WORKLOAD),
    target: options.target,
    command: ["npm run bench --", ...redacted].join(" "),
    progress,
  });
  if (options.updateDoc) {
    const chartsDir = path.relative(path.dirname(options.updateDoc), options.outDir) || ".";
    updateDoc(options.updateDoc, renderDocSection(results, chartsDir.split(path.sep).join("/")));
    files.push(options.updateDoc);
    formatForRepository([options.updateDoc, path.join(options.outDir, "results.md")]);
  }
  for (const f of files) process.stdout.write(`${path.relative(REPO_ROOT, f) || f}\n`);
  const failed = results.subjects.filter((s) => s.failure !== null);
  for (const s of failed) process.stderr.write(`bench: ${s.id} was not measured: ${s.failure}\n`);
  return failed.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`bench: ${message.split("\n")[0]}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
