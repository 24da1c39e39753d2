/**
 * The de-identifiers side by side on the independent corpus, with one scorer (test/fixtures/deid-independent/
 * score.ts): this project's rules, the learned model, rules + model, and the Python peers (Presidio,
 * philter-lite, scrubadub) run by bench/deid-peers/run_peers.py in the .local/deid-venv environment that
 * scripts/setup.d/40-deid-python.sh installs.
 *   npm run bench:deid -w gateway                      (bench/deid.ts runs this after its speed table)
 *   npx tsx bench/deid-peers.ts [--splits train,dev,test] [--peer-splits dev,test]
 *     [--peers presidio,philter,scrubadub|none] [--split-notes N] [--model path/to/model.onnx]
 * The frozen test split is always reported on its own table, under its pinned version and hash.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { DEID_VENV_PYTHON } from "../deid-model/venv";
import { PHI_TYPES, type PhiEntity } from "../src/contracts";
import { defaultRegistry, detectAsync } from "../src/deid/detect";
import { detect } from "../src/deid/index";
import { DEFAULT_DEID_MODEL_PATH, loadDeidModel } from "../src/deid-model/index";
import { modelRecognizer } from "../src/deid-model/recognizer";
import { PROJECT_ROOT } from "../src/inference/repository-layout";
import { corpusHash, generateIndependentCorpus, toJsonl } from "../test/fixtures/deid-independent/corpus";
import { FROZEN_TEST, SPLIT_SIZES } from "../test/fixtures/deid-independent/frozen";
import type { IndependentNote } from "../test/fixtures/deid-independent/note";
import { type IndependentSplit, isIndependentSplit } from "../test/fixtures/deid-independent/rng";
import { type Score, type ScoredSpan, score } from "../test/fixtures/deid-independent/score";

const RUNNER = join(__dirname, "deid-peers", "run_peers.py");
const WORK = join(PROJECT_ROOT, ".local", "deid-bench");
const PEERS = ["presidio", "philter", "scrubadub"] as const;
const WORD = /[\p{L}\p{N}]+/gu;

const option = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? "") : fallback;
};

export interface Row {
  system: string;
  score: Score;
  notesPerSecond: number;
  /** CPU time of this process (all its threads) per 100 word tokens; undefined for peers (another process). */
  cpuUsPer100Tokens?: number;
  /** Elapsed time per 100 word tokens; includes waiting for a core on a loaded machine. */
  wallUsPer100Tokens?: number;
}

type Find = (text: string) => Promise<readonly ScoredSpan[]> | readonly ScoredSpan[];

async function runLocal(system: string, notes: readonly IndependentNote[], find: Find): Promise<Row> {
  for (const n of notes.slice(0, 20)) await find(n.text); // warm-up: JIT and ONNX Runtime allocations
  const predicted = new Map<string, readonly ScoredSpan[]>();
  let tokens = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (const n of notes) {
    predicted.set(n.id, await find(n.text));
    tokens += n.text.match(WORD)?.length ?? 0;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return {
    system,
    score: score(notes, predicted),
    notesPerSecond: notes.length / seconds,
    cpuUsPer100Tokens: ((cpu.user + cpu.system) * 100) / tokens,
    wallUsPer100Tokens: (seconds * 1e8) / tokens,
  };
}

function runPeer(peer: string, split: IndependentSplit, notes: readonly IndependentNote[]): Row | string {
  if (!existsSync(DEID_VENV_PYTHON)) return `${peer}: ${DEID_VENV_PYTHON} missing; run npm run setup`;
  mkdirSync(WORK, { recursive: true });
  const input = join(WORK, `${split}.jsonl`);
  const output = join(WORK, `${split}-${peer}.json`);
  writeFileSync(input, toJsonl(notes));
  const run = spawnSync(DEID_VENV_PYTHON, [RUNNER, "--system", peer, "--input", input, "--output", output], {
    encoding: "utf8",
    env: { ...process.env, HF_HUB_OFFLINE: "1", TRANSFORMERS_OFFLINE: "1" },
  });
  if (run.status !== 0)
    return `${peer}: runner failed (${run.status}): ${run.stderr.trim().split("\n").slice(-1)[0]}`;
  const result = JSON.parse(readFileSync(output, "utf8")) as {
    version: string;
    seconds: number;
    notes: Array<{ id: string; spans: ScoredSpan[] }>;
  };
  const predicted = new Map(result.notes.map((n) => [n.id, n.spans]));
  return {
    system: result.version,
    score: score(notes, predicted),
    notesPerSecond: notes.length / result.seconds,
  };
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

export function table(rows: readonly Row[]): string {
  const lines = [
    `| measure | ${rows.map((r) => r.system).join(" | ")} |`,
    `|---|${rows.map(() => "---:").join("|")}|`,
  ];
  const first = rows[0]?.score;
  for (const t of PHI_TYPES) {
    const g = first?.perType[t]?.gold;
    if (!g) continue;
    lines.push(`| ${t} (${g}) | ${rows.map((r) => pct(r.score.perType[t]?.recall ?? 0)).join(" | ")} |`);
  }
  lines.push(`| **span recall, all types** | ${rows.map((r) => `**${pct(r.score.recall)}**`).join(" | ")} |`);
  lines.push(`| character precision | ${rows.map((r) => pct(r.score.charPrecision)).join(" | ")} |`);
  lines.push(
    `| look-alikes kept (${first?.lookalikes.total ?? 0}) | ${rows.map((r) => pct(r.score.lookalikes.share)).join(" | ")} |`,
  );
  lines.push(`| notes/s | ${rows.map((r) => r.notesPerSecond.toFixed(0)).join(" | ")} |`);
  lines.push(
    `| wall µs per 100 tokens | ${rows.map((r) => (r.wallUsPer100Tokens === undefined ? "–" : r.wallUsPer100Tokens.toFixed(0))).join(" | ")} |`,
  );
  lines.push(
    `| CPU µs per 100 tokens | ${rows.map((r) => (r.cpuUsPer100Tokens === undefined ? "–" : r.cpuUsPer100Tokens.toFixed(0))).join(" | ")} |`,
  );
  return lines.join("\n");
}

export async function main(): Promise<void> {
  const splits = option("splits", "train,dev,test").split(",");
  // The peers are slow (Presidio and philter-lite take 0.1-0.2 s per note): not on the 2,700 training notes.
  const peerSplits = option("peer-splits", "dev,test").split(",");
  const peers = option("peers", PEERS.join(","))
    .split(",")
    .filter((p) => p !== "none" && p !== "");
  for (const p of peers)
    if (!(PEERS as readonly string[]).includes(p)) throw new Error(`--peers: unknown peer ${p}`);
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");
  console.log(
    `Machine: ${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} logical CPUs, Node ${process.version}, load average ${load}.`,
  );
  const model = await loadDeidModel(option("model", DEFAULT_DEID_MODEL_PATH));
  const registry = defaultRegistry().add(modelRecognizer(model));
  // The union shows what the resolver costs: every character either side would remove.
  const union = async (text: string): Promise<PhiEntity[]> => [...detect(text), ...(await model.find(text))];
  for (const split of splits) {
    if (!isIndependentSplit(split)) throw new Error(`--splits: unknown split ${split}`);
    const count = Number(option("split-notes", String(SPLIT_SIZES[split])));
    const notes = generateIndependentCorpus(split, split === "test" ? FROZEN_TEST.notes : count);
    const rows: Row[] = [
      await runLocal("rules (detect)", notes, (t) => detect(t)),
      await runLocal("model", notes, (t) => model.find(t)),
      await runLocal("rules + model (registry)", notes, (t) => detectAsync(t, {}, registry)),
      await runLocal("rules ∪ model (no resolver)", notes, union),
    ];
    const failures: string[] = [];
    for (const p of peerSplits.includes(split) ? peers : []) {
      const r = runPeer(p, split, notes);
      if (typeof r === "string") failures.push(r);
      else rows.push(r);
    }
    const frozen =
      split === "test"
        ? ` (FROZEN v${FROZEN_TEST.version}, sha256 ${corpusHash(notes).slice(0, 12)}${corpusHash(notes) === FROZEN_TEST.sha256 ? "" : " MISMATCH"})`
        : "";
    console.log(`\n### Independent corpus, split \`${split}\`${frozen}: ${notes.length} notes\n`);
    console.log(table(rows));
    for (const f of failures) console.log(`\n${f}`);
  }
  await model.close();
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`bench:deid peers: ${(err as Error).message}`);
    process.exit(1);
  });
}
