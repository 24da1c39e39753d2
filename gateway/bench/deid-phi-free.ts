/**
 * False positives on PHI-free clinical text: how many sentences the rules, the learned model and rules + model
 * change, and which words they take for which type.
 *   npx tsx bench/deid-phi-free.ts [--show] [--model model.onnx]
 * Sets: the PHI-free sentences of the benchmark workload (bench/workload/clinical-sentences.jsonl, the ones
 * the sentiment benchmark sends), the rules corpus's look-alike snippets (test/fixtures/deid/generator) and the
 * independent corpus's look-alike forms (digits filled in), and 1,000 ICD-10-CM descriptions written by others
 * (test/fixtures/phi-free). Every input is PHI-free by construction, so
 * `--show` may print the words taken; nothing else here prints text.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { defaultRegistry, detect, detectAsync } from "../src/deid/detect";
import type { Span } from "../src/deid/span";
import { DEFAULT_DEID_MODEL_PATH, loadDeidModel } from "../src/deid-model/index";
import { modelRecognizer } from "../src/deid-model/recognizer";
import { PROJECT_ROOT } from "../src/inference/repository-layout";
import { CAPITALISED_LOOKALIKES, LOOKALIKES } from "../test/fixtures/deid/generator/lookalikes";
import { LOOKALIKES as INDEPENDENT_LOOKALIKES } from "../test/fixtures/deid-independent/vocab";

export const BENCH_WORKLOAD = join(PROJECT_ROOT, "bench", "workload", "clinical-sentences.jsonl");
/** Code descriptions and inclusion terms of ICD-10-CM: test/fixtures/phi-free/SOURCE.md. */
const ICD10CM_SAMPLE = join(__dirname, "..", "test", "fixtures", "phi-free", "icd10cm-2026-sample.txt");

/** The workload's sentences marked `"phi": false`. */
export function phiFreeWorkload(path: string = BENCH_WORKLOAD): string[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as { phi: boolean; text: string })
    .filter((r) => r.phi === false)
    .map((r) => r.text);
}

export function phiFreeSets(): Record<string, string[]> {
  return {
    "bench workload (phi: false)": phiFreeWorkload(),
    "rules corpus look-alikes": [
      ...LOOKALIKES.map(([, s]) => s),
      ...Object.values(CAPITALISED_LOOKALIKES).flatMap((xs) => xs.map(([, s]) => s)),
    ],
    "independent corpus look-alikes": Object.values(INDEPENDENT_LOOKALIKES)
      .flat()
      .map((s) => s.replace(/\{d\}/g, "4")),
    "ICD-10-CM 2026 sample (written by others)": readFileSync(ICD10CM_SAMPLE, "utf8")
      .split("\n")
      .filter((l) => l.trim() !== ""),
  };
}

const ALNUM = /[\p{L}\p{N}]/u;

type Find = (text: string) => Promise<readonly Span[]> | readonly Span[];

async function main(): Promise<void> {
  const show = process.argv.includes("--show");
  const i = process.argv.indexOf("--model");
  const model = await loadDeidModel(i >= 0 ? (process.argv[i + 1] ?? "") : DEFAULT_DEID_MODEL_PATH);
  const registry = defaultRegistry().add(modelRecognizer(model));
  const systems: Array<[string, Find]> = [
    ["rules", (t) => detect(t)],
    ["model", async (t) => (await model.find(t)).map((s) => ({ ...s }))],
    ["rules + model", (t) => detectAsync(t, {}, registry)],
  ];
  console.log(
    "| set | sentences | rules: changed | model: changed | rules + model: changed | rules + model: characters taken |",
  );
  console.log("|---|---:|---:|---:|---:|---:|");
  const shown: string[] = [];
  for (const [set, texts] of Object.entries(phiFreeSets())) {
    const changed: number[] = [];
    let taken = 0;
    let letters = 0;
    for (const [system, find] of systems) {
      let n = 0;
      for (const t of texts) {
        const spans = await find(t);
        if (spans.length > 0) n++;
        if (system === "rules + model") {
          // The served detector's share of letters and digits taken: how much clinical text it destroys.
          const covered = new Uint8Array(t.length);
          for (const s of spans) covered.fill(1, s.start, s.end);
          for (let k = 0; k < t.length; k++)
            if (ALNUM.test(t[k] as string)) {
              letters++;
              taken += covered[k] as number;
            }
        }
        // The served detector's words, and the rules' for comparison; the raw model's are its own row's count.
        if (show && system !== "model")
          for (const s of spans) shown.push(`${system}: ${s.type} "${t.slice(s.start, s.end)}" in "${t}"`);
      }
      changed.push(n);
    }
    console.log(
      `| ${set} | ${texts.length} | ${changed.join(" | ")} | ${((100 * taken) / Math.max(1, letters)).toFixed(1)}% |`,
    );
  }
  for (const line of shown) console.log(line);
  await model.close();
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`deid-phi-free: ${(err as Error).message}`);
    process.exit(1);
  });
}
