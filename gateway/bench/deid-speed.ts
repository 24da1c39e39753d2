/**
 * CPU cost of de-identification on the independent corpus: rules, the learned model, and rules + model, in
 * interleaved rounds of one process so the three rows share the machine's load.
 *   npx tsx bench/deid-speed.ts [--split test|dev|train] [--rounds 5] [--notes N] [--model model.onnx]
 *     [--compare other.onnx]   (adds that model's rows to the same interleaved rounds: one load for both)
 *   node --cpu-prof --import tsx bench/deid-speed.ts --only registry   (profile one system)
 * Reports CPU µs per 100 word tokens (process.cpuUsage: every thread of this process, onnxruntime's included)
 * as the median and the minimum over rounds, and the load average before and after. On a shared machine the
 * CPU column is the one to compare; the wall column also counts waiting for a core.
 */
import { cpus, loadavg } from "node:os";
import { defaultRegistry, detect, detectAsync } from "../src/deid/detect";
import { DEFAULT_DEID_MODEL_PATH, loadDeidModel } from "../src/deid-model/index";
import { modelRecognizer } from "../src/deid-model/recognizer";
import { generateIndependentCorpus } from "../test/fixtures/deid-independent/corpus";
import { FROZEN_TEST, SPLIT_SIZES } from "../test/fixtures/deid-independent/frozen";
import { isIndependentSplit } from "../test/fixtures/deid-independent/rng";

const WORD = /[\p{L}\p{N}]+/gu;
const SYSTEMS = ["rules", "model", "registry"] as const;
type System = (typeof SYSTEMS)[number];
/** The systems a run times: the three above, plus the compared model's two when --compare is given. */
type Row = System | "compare: model" | "compare: registry";

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? "") : fallback;
}

function positive(name: string, fallback: number): number {
  const v = Number(option(name, String(fallback)));
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
  return v;
}

const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

async function main(): Promise<void> {
  const split = option("split", "test");
  if (!isIndependentSplit(split)) throw new Error(`--split: unknown split ${split}`);
  const rounds = positive("rounds", 5);
  const count = positive("notes", split === "test" ? FROZEN_TEST.notes : SPLIT_SIZES[split]);
  const only = option("only", "");
  const systems = only === "" ? [...SYSTEMS] : (only.split(",") as System[]);
  for (const s of systems) if (!(SYSTEMS as readonly string[]).includes(s)) throw new Error(`--only: ${s}?`);

  const texts = generateIndependentCorpus(split, count).map((n) => n.text);
  const tokens = texts.reduce((sum, t) => sum + (t.match(WORD)?.length ?? 0), 0);
  const model = await loadDeidModel(option("model", DEFAULT_DEID_MODEL_PATH));
  const registry = defaultRegistry().add(modelRecognizer(model));
  const run: Partial<Record<Row, (t: string) => unknown>> = {
    rules: (t) => detect(t),
    model: (t) => model.find(t),
    registry: (t) => detectAsync(t, {}, registry),
  };
  const rows: Row[] = [...systems];
  const comparePath = option("compare", "");
  const other = comparePath === "" ? undefined : await loadDeidModel(comparePath);
  if (other) {
    const otherRegistry = defaultRegistry().add(modelRecognizer(other));
    run["compare: model"] = (t) => other.find(t);
    run["compare: registry"] = (t) => detectAsync(t, {}, otherRegistry);
    if (systems.includes("model")) rows.push("compare: model");
    if (systems.includes("registry")) rows.push("compare: registry");
  }
  const cpu = new Map<Row, number[]>(rows.map((s) => [s, []]));
  const wall = new Map<Row, number[]>(rows.map((s) => [s, []]));
  const before = load();
  for (const s of rows) for (const t of texts.slice(0, 50)) await run[s]?.(t); // warm-up: JIT, ORT arenas
  for (let r = 0; r < rounds; r++) {
    for (const s of rows) {
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      for (const t of texts) await run[s]?.(t);
      const c = process.cpuUsage(c0);
      wall.get(s)?.push(Number(process.hrtime.bigint() - t0) / 1e3 / (tokens / 100));
      cpu.get(s)?.push((c.user + c.system) / (tokens / 100));
    }
  }
  await other?.close();
  await model.close();
  console.log(
    `${cpus()[0]?.model ?? "CPU"} x${cpus().length}, Node ${process.version}; split ${split}, ${texts.length} notes, ` +
      `${tokens} word tokens, ${rounds} rounds; load average before ${before}, after ${load()}\n`,
  );
  if (other) console.log(`model: ${option("model", DEFAULT_DEID_MODEL_PATH)}; compare: ${comparePath}\n`);
  console.log("| system | CPU µs / 100 tokens, median | CPU, min | wall µs / 100 tokens, median |");
  console.log("|---|---:|---:|---:|");
  for (const s of rows) {
    const c = cpu.get(s) ?? [];
    const w = wall.get(s) ?? [];
    console.log(
      `| ${s} | ${median(c).toFixed(0)} | ${Math.min(...c).toFixed(0)} | ${median(w).toFixed(0)} |`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(`deid-speed: ${(err as Error).message}`);
  process.exit(1);
});
