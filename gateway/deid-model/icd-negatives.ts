/**
 * PHI-free training documents from ICD-10-CM, written by the US National Center for Health Statistics, not
 * by this project: problem lists, histories and assessments built from code descriptions ("Type 2 diabetes
 * mellitus with diabetic chronic kidney disease"). They show the learned detector thousands of clinical words
 * it otherwise meets only in test, each capitalised at the start of its line, which a model trained on the
 * synthetic notes alone took for names and places.
 *
 * Only chapters A-N (infections to genitourinary diseases) are read. Chapters O-Z (pregnancy, perinatal,
 * congenital, symptoms, injuries, external causes, health factors) are held out: the PHI-free evaluation set
 * test/fixtures/phi-free/icd10cm-2026-sample.txt is drawn from them, so that set measures words the model
 * never trained on.
 *
 * The descriptions come from the tabular XML inside the PyPI wheel simple-icd-10-cm (pinned in
 * requirements-deid.txt, installed into .local/deid-venv by the setup step).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Gen, prng } from "../test/fixtures/deid/generator/random";
import type { TrainingNote } from "./prepare";
import { DEID_VENV } from "./venv";

/** First letters of the codes that training may read; the other chapters are the held-out evaluation. */
export const ICD_TRAINING_CHAPTERS = /^[A-N]/;
const ICD_SEED = 20_261_202;
/** How many problem lists the shipped model trained on (build.sh, and retrain.ts's default). */
export const SHIPPED_ICD_NEGATIVES = 8000;

const DIAG = /<name>([A-Z][0-9A-Z.]{2,7})<\/name>\s*<desc>([^<]+)<\/desc>/g;
const ENTITIES: Record<string, string> = {
  "&amp;": "&",
  "&lt;": "<",
  "&gt;": ">",
  "&apos;": "'",
  "&quot;": '"',
};

/** The tabular XML in the deid venv; throws naming the setup step when it is not installed. */
export function icdTabularXml(venv: string = DEID_VENV): string {
  const lib = join(venv, "lib");
  const python = existsSync(lib) ? readdirSync(lib).find((d) => d.startsWith("python")) : undefined;
  const data = python ? join(lib, python, "site-packages", "simple_icd_10_cm", "data") : "";
  const file =
    data && existsSync(data) ? readdirSync(data).find((f) => /^icd10c-tabular-.*\.xml$/.test(f)) : "";
  if (!file)
    throw new Error(
      "icd-negatives: the ICD-10-CM tabular list (PyPI simple-icd-10-cm) is not in .local/deid-venv; run npm run setup",
    );
  return join(data, file);
}

/** Code descriptions of the training chapters, in file order. */
export function trainingDescriptions(xml: string = readFileSync(icdTabularXml(), "utf8")): string[] {
  const out: string[] = [];
  for (const m of xml.matchAll(DIAG)) {
    if (!ICD_TRAINING_CHAPTERS.test(m[1] as string)) continue;
    out.push((m[2] as string).replace(/&[a-z]+;/g, (e) => ENTITIES[e] ?? e).trim());
  }
  return out;
}

const LIST_HEADERS = ["PROBLEM LIST:", "Problem list:", "Active problems:", "Past medical history:", "PMH:"];
const lower = (s: string): string => (/^[A-Z][a-z]/.test(s) ? s.charAt(0).toLowerCase() + s.slice(1) : s);

/** One document in one of the shapes problem lists take in notes. */
function document(g: Gen, items: string[]): string {
  switch (g.int(0, 4)) {
    case 0:
      return `${g.pick(LIST_HEADERS)}\n${items.map((d, i) => `${i + 1}. ${d}`).join("\n")}`;
    case 1:
      return items.map((d) => `- ${d}`).join("\n");
    case 2:
      return `${g.pick(LIST_HEADERS)} ${items.map(lower).join("; ")}.`;
    case 3:
      return items.map((d) => `${d}.`).join(" ");
    default:
      return `Assessment: ${lower(items[0] as string)}. History of ${items.slice(1).map(lower).join(", ")}.`;
  }
}

export function icdNegativeNotes(
  count: number,
  descriptions: readonly string[] = trainingDescriptions(),
): TrainingNote[] {
  if (!Number.isInteger(count) || count < 1)
    throw new Error(`icd-negatives: count must be a positive integer, got ${count}`);
  if (descriptions.length === 0) throw new Error("icd-negatives: no ICD-10-CM descriptions to draw from");
  const g = new Gen(prng(ICD_SEED));
  const notes: TrainingNote[] = [];
  for (let i = 0; i < count; i++) {
    const items = Array.from({ length: g.int(2, 8) }, () => g.pick(descriptions));
    notes.push({ id: `icd-negative-${i}`, text: document(g, items), gold: [] });
  }
  return notes;
}
