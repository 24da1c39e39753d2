/**
 * Writes training data for the learned PHI detector: tokens -> hashed features and BIO labels, in raw arrays
 * numpy reads directly.
 *   npx tsx deid-model/prepare.ts <out-dir> corpus:<split>:<count> [negatives:<count>] [icd10cm[:<count>]]
 *     [i2b2:<dir>] ...
 * Each source is the independent synthetic corpus, PHI-free clinical text (negatives.ts, or problem lists
 * from ICD-10-CM chapters A-N: icd-negatives.ts) or a directory of
 * i2b2 2014 XML files (a hospital's own labelled notes). Writes features.i32 ([tokens x FEATURES_PER_TOKEN], little-endian int32), labels.u8,
 * docs.i32 (token offset where each note starts, plus the total) and meta.json. Prints counts only, no text.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PhiType } from "../src/contracts";
import { FEATURES_PER_TOKEN, featurize, HASH_BUCKETS, tokenize } from "../src/deid-model/features";
import { labelTokens, MODEL_LABELS } from "../src/deid-model/labels";
import { parseI2b2 } from "../test/fixtures/deid/i2b2";
import { generateIndependentCorpus } from "../test/fixtures/deid-independent/corpus";
import { isIndependentSplit } from "../test/fixtures/deid-independent/rng";
import { icdNegativeNotes, SHIPPED_ICD_NEGATIVES } from "./icd-negatives";
import { negativeNotes } from "./negatives";

export interface TrainingNote {
  id: string;
  text: string;
  gold: ReadonlyArray<{ type: PhiType; start: number; end: number }>;
}

export function readI2b2Dir(dir: string): TrainingNote[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".xml"))
    .sort();
  if (files.length === 0) throw new Error(`prepare: no .xml files in ${dir}`);
  return files.map((f) => parseI2b2(readFileSync(join(dir, f), "utf8"), f));
}

/** "corpus:train:2700", "negatives:1500" or "i2b2:/path": throws a usage error naming the bad source. */
export function loadSource(source: string): TrainingNote[] {
  const [kind, a, b] = source.split(":");
  if (kind === "corpus" && a && isIndependentSplit(a) && Number(b) > 0)
    return generateIndependentCorpus(a, Number(b));
  if (kind === "negatives" && Number(a) > 0) return negativeNotes(Number(a));
  if (kind === "icd10cm" && a === undefined) return icdNegativeNotes(SHIPPED_ICD_NEGATIVES);
  if (kind === "icd10cm" && Number(a) > 0) return icdNegativeNotes(Number(a));
  if (kind === "i2b2" && a) return readI2b2Dir(source.slice("i2b2:".length));
  throw new Error(
    `prepare: source "${source}" must be corpus:<train|dev|test>:<count>, negatives:<count>, icd10cm[:<count>] or i2b2:<directory>`,
  );
}

export function writeTrainingData(
  out: string,
  notes: readonly TrainingNote[],
): { notes: number; tokens: number } {
  const feats: Int32Array[] = [];
  const labels: Uint8Array[] = [];
  const docs = [0];
  for (const note of notes) {
    const tokens = tokenize(note.text);
    feats.push(featurize(note.text, tokens));
    labels.push(labelTokens(tokens, note.gold));
    docs.push((docs[docs.length - 1] as number) + tokens.length);
  }
  const total = docs[docs.length - 1] as number;
  const f = new Int32Array(total * FEATURES_PER_TOKEN);
  const l = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < feats.length; i++) {
    f.set(feats[i] as Int32Array, at * FEATURES_PER_TOKEN);
    l.set(labels[i] as Uint8Array, at);
    at += (labels[i] as Uint8Array).length;
  }
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "features.i32"), Buffer.from(f.buffer));
  writeFileSync(join(out, "labels.u8"), Buffer.from(l.buffer));
  writeFileSync(join(out, "docs.i32"), Buffer.from(new Int32Array(docs).buffer));
  const meta = {
    notes: notes.length,
    tokens: total,
    featuresPerToken: FEATURES_PER_TOKEN,
    hashBuckets: HASH_BUCKETS,
    labels: MODEL_LABELS,
  };
  writeFileSync(join(out, "meta.json"), `${JSON.stringify(meta, null, 2)}\n`);
  return { notes: notes.length, tokens: total };
}

if (require.main === module) {
  const [out, ...sources] = process.argv.slice(2);
  if (!out || sources.length === 0) {
    console.error("usage: tsx deid-model/prepare.ts <out-dir> corpus:<split>:<count> | i2b2:<dir> ...");
    process.exit(2);
  }
  try {
    const r = writeTrainingData(out, sources.flatMap(loadSource));
    console.log(`prepare: ${r.notes} notes, ${r.tokens} tokens -> ${out}`);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
}
