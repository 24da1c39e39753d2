/**
 * Retrains the learned PHI detector on a hospital's own labelled notes (i2b2 2014 XML) and compares the
 * committed model with the retrained one on notes of that hospital that training never saw.
 *   npm run deid-model:retrain -w gateway -- <dir of i2b2 XML> [--out <dir>] [--synthetic 2700] [--negatives 0] [--icd 8000] [--epochs 6]
 * Every fifth note (by file name) is held out for the comparison; the rest is added to the synthetic training
 * split. Writes <out>/model.onnx, metrics.json and compare.json and prints the before/after table; the
 * committed model is not touched (copy the new one over gateway/deid-model/model.onnx to adopt it).
 * Prints counts and rates only, never note text.
 */
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { PHI_TYPES } from "../src/contracts";
import { DEFAULT_DEID_MODEL_PATH, loadDeidModel } from "../src/deid-model/index";
import { PROJECT_ROOT } from "../src/inference/repository-layout";
import { generateIndependentCorpus } from "../test/fixtures/deid-independent/corpus";
import { type Score, type ScoredNote, type ScoredSpan, score } from "../test/fixtures/deid-independent/score";
import { icdNegativeNotes, SHIPPED_ICD_NEGATIVES } from "./icd-negatives";
import { negativeNotes } from "./negatives";
import { readI2b2Dir, type TrainingNote, writeTrainingData } from "./prepare";
import { DEID_VENV_PYTHON as PYTHON } from "./venv";

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 0) throw new Error(`retrain: --${name} must be a non-negative integer`);
  return v;
}

async function scoreModel(path: string, notes: readonly ScoredNote[]): Promise<Score> {
  const model = await loadDeidModel(path);
  const predicted = new Map<string, readonly ScoredSpan[]>();
  for (const n of notes) predicted.set(n.id, await model.find(n.text));
  await model.close();
  return score(notes, predicted);
}

export async function retrain(args: string[]): Promise<{ before: Score; after: Score; out: string }> {
  const dir = args.find((a, i) => !a.startsWith("--") && !args[i - 1]?.startsWith("--"));
  if (!dir)
    throw new Error(
      "usage: deid-model/retrain.ts <dir of i2b2 XML> [--out <dir>] [--synthetic N] [--negatives N] [--icd N] [--epochs E]",
    );
  const outIndex = args.indexOf("--out");
  const out = resolve(
    outIndex >= 0 ? (args[outIndex + 1] ?? "") : join(PROJECT_ROOT, ".local", "deid-model", "retrained"),
  );
  const synthetic = option(args, "synthetic", 2700);
  // PHI-free documents (negatives.ts) beside the notes: none in the committed model's recipe (build.sh).
  const negatives = option(args, "negatives", 0);
  // ICD-10-CM problem lists (icd-negatives.ts): as many as the committed model's recipe, unless told.
  const icd = option(args, "icd", SHIPPED_ICD_NEGATIVES);
  const epochs = option(args, "epochs", 6);
  if (!existsSync(PYTHON)) throw new Error(`retrain: ${PYTHON} missing; run npm run setup first`);
  const hospital: TrainingNote[] = readI2b2Dir(dir);
  const held = hospital.filter((_, i) => i % 5 === 4 || hospital.length === 1);
  const train = hospital.filter((_, i) => i % 5 !== 4);
  const heldNotes: ScoredNote[] = held.map((n) => ({ ...n, gold: [...n.gold], keep: [] }));
  const before = await scoreModel(DEFAULT_DEID_MODEL_PATH, heldNotes);

  // The hospital's notes are repeated so a few dozen of them weigh against thousands of synthetic ones.
  const repeat = Math.max(1, Math.round(synthetic / Math.max(1, 4 * train.length)));
  const trainNotes = [
    ...(synthetic > 0 ? generateIndependentCorpus("train", synthetic) : []),
    ...(negatives > 0 ? negativeNotes(negatives) : []),
    ...(icd > 0 ? icdNegativeNotes(icd) : []),
    ...Array.from({ length: repeat }, () => train).flat(),
  ];
  if (trainNotes.length === 0)
    throw new Error("retrain: nothing to train on (no synthetic notes and one hospital note)");
  writeTrainingData(join(out, "train"), trainNotes);
  writeTrainingData(join(out, "dev"), generateIndependentCorpus("dev", 100));
  const model = join(out, "model.onnx");
  const run = spawnSync(
    PYTHON,
    [
      join(__dirname, "train.py"),
      ...["--train", join(out, "train"), "--dev", join(out, "dev"), "--out", model],
      ...["--metrics", join(out, "metrics.json"), "--epochs", String(epochs)],
    ],
    { encoding: "utf8", stdio: ["ignore", "inherit", "pipe"] },
  );
  if (run.error || run.status !== 0) {
    throw new Error(
      `retrain: train.py failed (${run.status ?? run.error?.message}): ${run.stderr?.trim().split("\n").slice(-1)[0]}`,
    );
  }
  const after = await scoreModel(model, heldNotes);
  writeFileSync(
    join(out, "compare.json"),
    `${JSON.stringify({ heldOutNotes: held.length, before, after }, null, 2)}\n`,
  );
  return { before, after, out };
}

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

if (require.main === module) {
  retrain(process.argv.slice(2))
    .then(({ before, after, out }) => {
      console.log(`\n| type | gold | recall before | recall after |\n|---|---:|---:|---:|`);
      for (const t of PHI_TYPES) {
        const b = before.perType[t];
        if (b) console.log(`| ${t} | ${b.gold} | ${pct(b.recall)} | ${pct(after.perType[t]?.recall ?? 0)} |`);
      }
      console.log(`| all | | ${pct(before.recall)} | ${pct(after.recall)} |`);
      console.log(`| character precision | | ${pct(before.charPrecision)} | ${pct(after.charPrecision)} |`);
      console.log(`\nretrained model: ${join(out, "model.onnx")}`);
    })
    .catch((err: unknown) => {
      console.error((err as Error).message);
      process.exit(1);
    });
}
