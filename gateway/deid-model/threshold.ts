/**
 * Chooses the detector's decision threshold on the dev split (never the frozen test split): for each value of
 * `outsideBelow`, span recall, character precision and look-alikes kept of the model alone and of rules + model.
 *   npx tsx deid-model/threshold.ts [model.onnx] [--notes 450]
 */
import { detect } from "../src/deid/index";
import { DEFAULT_DEID_MODEL_PATH, loadDeidModel } from "../src/deid-model/index";
import { generateIndependentCorpus } from "../test/fixtures/deid-independent/corpus";
import { type ScoredSpan, score } from "../test/fixtures/deid-independent/score";

const THRESHOLDS = [0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995];

async function main(): Promise<void> {
  const path =
    process.argv[2] && !process.argv[2].startsWith("--") ? process.argv[2] : DEFAULT_DEID_MODEL_PATH;
  const i = process.argv.indexOf("--notes");
  const notes = generateIndependentCorpus("dev", i >= 0 ? Number(process.argv[i + 1]) : 450);
  const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
  console.log(
    "| outsideBelow | recall (model) | char precision (model) | look-alikes kept (model) | recall (rules + model) | char precision (rules + model) | look-alikes kept (rules + model) |",
  );
  console.log("|---:|---:|---:|---:|---:|---:|---:|");
  for (const t of THRESHOLDS) {
    const model = await loadDeidModel(path, { outsideBelow: t });
    const alone = new Map<string, readonly ScoredSpan[]>();
    const both = new Map<string, readonly ScoredSpan[]>();
    for (const n of notes) {
      const spans = await model.find(n.text);
      alone.set(n.id, spans);
      both.set(n.id, [...spans, ...detect(n.text)]);
    }
    await model.close();
    const a = score(notes, alone);
    const b = score(notes, both);
    console.log(
      `| ${t} | ${pct(a.recall)} | ${pct(a.charPrecision)} | ${pct(a.lookalikes.share)} | ${pct(b.recall)} | ${pct(b.charPrecision)} | ${pct(b.lookalikes.share)} |`,
    );
  }
}

main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exit(1);
});
