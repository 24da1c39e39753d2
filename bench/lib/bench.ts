/**
 * Runs the selected scenarios one after another (never two servers under load at once), then writes
 * results.json, results.md and the SVG charts into the output folder.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadModelArtifacts } from "../../gateway/src/inference/model-repository";
import { SequenceTokenizer } from "../../gateway/src/inference/tokenizer";
import { type TargetCredentials, TargetTokenSource } from "./auth";
import type { CeilingResult } from "./ceiling";
import { ensureInt8, measureCeilings, withCeilingShares } from "./ceiling-run";
import type { TransformerShape } from "./flops";
import { evaluateGoals } from "./goals";
import { machineInfo } from "./machine";
import { ensureModel, MODEL_NAME, shapeOf } from "./model-setup";
import { PRESETS, type PresetName } from "./presets";
import type { Progress } from "./progress";
import { renderCharts } from "./report/charts";
import { renderMarkdown } from "./report/markdown";
import {
  type BenchResults,
  type PresetSettings,
  RESULTS_SCHEMA_VERSION,
  type SubjectResult,
} from "./results";
import { measureSubject } from "./runner";
import { SCENARIOS, type ScenarioName } from "./scenarios";
import { createLocalContext, type LocalContext } from "./servers/context";
import type { Subject } from "./subject";
import { readWorkload, textBodies, tokenizeWorkload } from "./workload";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const DEFAULT_MODEL_REPOSITORY = path.join(REPO_ROOT, ".local", "models", "base");
export const DEFAULT_BUCKETS = [16, 32, 64, 128, 256, 512];

export interface BenchOptions {
  preset: PresetName;
  /** Overrides of the preset (tests use tiny durations). */
  settings?: Partial<PresetSettings>;
  scenarios: ScenarioName[];
  outDir: string;
  /** Triton-layout repository; the default is generated (synthetic base) when missing. */
  modelRepository?: string;
  workloadFile: string;
  target?: { url: string; credentials: TargetCredentials };
  command: string;
  progress: Progress;
}

export interface BenchOutcome {
  results: BenchResults;
  files: string[];
}

let activeSubject: Subject | undefined;

/** Stops the server under measurement (Ctrl-C must not leave a gateway or Triton running). */
export async function stopActiveSubject(): Promise<void> {
  const s = activeSubject;
  activeSubject = undefined;
  if (s) await s.stop();
}

export async function runBenchmark(opts: BenchOptions): Promise<BenchOutcome> {
  const settings: PresetSettings = { ...PRESETS[opts.preset], ...opts.settings };
  const startedAt = new Date().toISOString();
  const machine = machineInfo();
  const progress = opts.progress;
  mkdirSync(opts.outDir, { recursive: true });
  // Server logs stay in the git-ignored .bench-results even when --out points into docs/.
  const logDir = path.join(REPO_ROOT, ".bench-results", "logs", startedAt.replace(/[:.]/g, "-"));
  mkdirSync(logDir, { recursive: true });

  const repository = path.resolve(opts.modelRepository ?? DEFAULT_MODEL_REPOSITORY);
  ensureModel(repository, opts.modelRepository === undefined, progress);
  const artifacts = loadModelArtifacts(repository, MODEL_NAME, undefined, { requireModelFile: true });
  const shape = shapeOf(artifacts.info);
  const buckets = DEFAULT_BUCKETS.filter((b) => b <= artifacts.info.maxSequenceLength);
  const tokenizer = new SequenceTokenizer(artifacts.tokenizerJson, artifacts.tokenizerConfig, buckets);
  const workload = tokenizeWorkload(readWorkload(opts.workloadFile), { artifacts, tokenizer });
  progress.info(`server logs: ${path.relative(REPO_ROOT, logDir)}`);
  progress.info(
    `workload: ${workload.stats.sentences} sentences, tokens p50 ${workload.stats.tokens.p50}, p95 ${workload.stats.tokens.p95}; ` +
      `model ${MODEL_NAME} v${artifacts.version}${artifacts.info.synthetic ? " (synthetic)" : ""}; load average ${machine.loadAverage.join(" ")}`,
  );

  const notes: string[] = [];
  let subjects: SubjectResult[] = [];
  const ceilings: CeilingResult[] = [];
  const secretsDir = mkdtempSync(path.join(os.tmpdir(), "bench-keys-"));
  try {
    if (opts.target) {
      notes.push(
        `Target mode: load sent to ${opts.target.url}/v1/sentiment over the network; server CPU and batch sizes are not observable from here.`,
        "GFLOPs per request assume the deployed model has the local model's shape and tokenizer.",
      );
      subjects.push(
        await measureTarget(
          opts.target,
          workload.items.map((i) => i.bucket),
          settings,
          shape,
          opts,
        ),
      );
    } else {
      notes.push(
        "The load generator runs on the same machine as the servers and competes with them for CPU; " +
          "absolute numbers are lower than with a separate client, ratios between scenarios are comparable.",
      );
      const ctx = await createLocalContext({
        repoRoot: REPO_ROOT,
        runDir: logDir,
        repository,
        modelName: MODEL_NAME,
        artifacts,
        tokenizer,
        workload,
        secretsDir,
        maxConcurrency: Math.max(...settings.concurrency),
        progress,
      });
      if (shape && opts.scenarios.some((name) => SCENARIOS[name].needsModel)) {
        ensureInt8(REPO_ROOT, artifacts.directory, progress);
        const paddedLengths = workload.items.map((i) => i.bucket);
        const args = { versionDir: artifacts.directory, shape, paddedLengths, settings: settings.ceiling };
        ceilings.push(...(await measureCeilings({ ...args, progress })));
      }
      for (const name of opts.scenarios) {
        for (const part of SCENARIOS[name].parts) {
          subjects.push(await measureLocal(ctx, name, part, settings, shape));
        }
      }
      subjects = withCeilingShares(subjects, ceilings);
    }
  } finally {
    rmSync(secretsDir, { recursive: true, force: true });
  }

  const results: BenchResults = {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    startedAt,
    finishedAt: new Date().toISOString(),
    command: opts.command,
    preset: opts.preset,
    settings,
    mode: opts.target ? "target" : "local",
    target: opts.target?.url ?? null,
    machine,
    loadAverageAtEnd: os.loadavg().map((v) => Math.round(v * 100) / 100),
    model: {
      repository: path.relative(REPO_ROOT, repository) || ".",
      name: MODEL_NAME,
      version: artifacts.version,
      synthetic: artifacts.info.synthetic,
      size: typeof artifacts.info.size === "string" ? artifacts.info.size : null,
      shape: shape ? { ...shape } : null,
    },
    workload: { ...workload.stats, file: path.relative(REPO_ROOT, opts.workloadFile) },
    notes,
    subjects,
    ceilings,
    goals: evaluateGoals(subjects, ceilings),
  };
  progress.status("writing results and charts");
  const files: string[] = [];
  const write = (name: string, content: string) => {
    const file = path.join(opts.outDir, name);
    writeFileSync(file, content);
    files.push(file);
  };
  write("results.json", `${JSON.stringify(results, null, 2)}\n`);
  write("results.md", renderMarkdown(results));
  for (const [name, svg] of Object.entries(await renderCharts(results))) write(name, svg);
  progress.done();
  return { results, files };
}

function failed(id: string, scenario: string, message: string): SubjectResult {
  return {
    id,
    scenario,
    label: id,
    description: SCENARIOS[scenario as ScenarioName]?.summary ?? id,
    instrument: null,
    server: {},
    gflopsPerRequest: null,
    paddedLengths: null,
    closedLoop: [],
    openLoop: [],
    saturation: null,
    failure: message,
  };
}

async function measureLocal(
  ctx: LocalContext,
  scenario: ScenarioName,
  part: { id: string; start: (ctx: LocalContext) => Promise<Subject> },
  settings: PresetSettings,
  shape: TransformerShape | null,
): Promise<SubjectResult> {
  let subject: Subject;
  try {
    subject = await part.start(ctx);
  } catch (err) {
    const message = (err as Error).message;
    ctx.progress.info(`${part.id}: NOT MEASURED: ${message.split("\n")[0]}`);
    return failed(part.id, scenario, message.split("\n")[0] as string);
  }
  activeSubject = subject;
  try {
    const result = await measureSubject(subject, settings, shape, ctx.progress);
    const sat = result.saturation;
    ctx.progress.info(
      sat
        ? `${part.id}: ${sat.throughput.toFixed(1)} req/s at concurrency ${sat.concurrency}, p50 ${sat.p50.toFixed(1)} ms, p95 ${sat.p95.toFixed(1)} ms`
        : `${part.id}: no successful requests`,
    );
    return { ...result, failure: sat ? null : "no successful requests (see the server log in logs/)" };
  } catch (err) {
    const message = (err as Error).message.split("\n")[0] as string;
    ctx.progress.info(`${part.id}: FAILED: ${message}`);
    return failed(part.id, scenario, message);
  } finally {
    activeSubject = undefined;
    await subject.stop();
  }
}

async function measureTarget(
  target: { url: string; credentials: TargetCredentials },
  paddedLengths: number[],
  settings: PresetSettings,
  shape: TransformerShape | null,
  opts: BenchOptions,
): Promise<SubjectResult> {
  const tokens = new TargetTokenSource(target.url, target.credentials);
  const origin = new URL(target.url).origin;
  const basePath = new URL(target.url).pathname.replace(/\/$/, "");
  const bodies = textBodies(readWorkload(opts.workloadFile));
  const subject: Subject = {
    id: "target",
    scenario: "hybrid",
    label: `deployed stack at ${origin}`,
    description:
      "The deployed ingress → gateway → Triton path, measured over the network with a real access token.",
    instrument: null,
    server: { target: target.url },
    target: { origin, path: `${basePath}/v1/sentiment`, headers: {}, bodies },
    pids: [],
    paddedLengths,
    batchCounters: async () => null,
    async beforeRun() {
      const token = await tokens.token(settings.durationS + 60);
      subject.target.headers = { authorization: `Bearer ${token}` };
    },
    stop: async () => {},
  };
  try {
    const result = await measureSubject(subject, settings, shape, opts.progress);
    return { ...result, failure: result.saturation ? null : "no successful requests" };
  } catch (err) {
    return failed("target", "hybrid", (err as Error).message.split("\n")[0] as string);
  }
}

export function readResults(file: string): BenchResults {
  return JSON.parse(readFileSync(file, "utf8")) as BenchResults;
}
