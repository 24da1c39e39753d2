/**
 * PHI-free clinical text for training the learned detector: short documents in which every token is outside.
 * The independent corpus holds identifiers in nearly every line, so a model trained on it alone learned that a
 * capitalised word opening a short text, or any number, is probably PHI ("Tolerated physical therapy..." read
 * as a place). These documents show it the other case. Three sources, all from this repository's generators
 * and never from the frozen test split:
 * - PHI-free lines of the independent corpus's `train` split, each on its own;
 * - look-alike snippets of both corpora (doses, labs, vitals, scores, eponyms, capitalised clinical words);
 * - clinical narrative sentences assembled here from generic parts (subject, finding, course, plan).
 */

import { CAPITALISED_LOOKALIKES, LOOKALIKES } from "../test/fixtures/deid/generator/lookalikes";
import { Gen, prng } from "../test/fixtures/deid/generator/random";
import { generateIndependentCorpus } from "../test/fixtures/deid-independent/corpus";
import { LOOKALIKES as INDEPENDENT_LOOKALIKES } from "../test/fixtures/deid-independent/vocab";
import {
  ACTIVITIES,
  ADJECTIVES,
  AMOUNTS,
  BODY,
  EXAM_FINDINGS,
  EXAM_SYSTEMS,
  FINDINGS,
  OPENERS,
  PLANS,
  STATES,
  STATUS_TAILS,
  STATUS_WORDS,
  SUBJECTS,
} from "./negatives-vocab";
import type { TrainingNote } from "./prepare";

const NEGATIVES_SEED = 740_004;

const ORGANISMS = ["E. coli", "S. aureus", "K. pneumoniae", "C. difficile", "P. aeruginosa"];
const MEASURES = ["Hemoglobin", "Creatinine", "Potassium", "Sodium", "Lactate", "Glucose", "Troponin", "INR"];
/** Numbers as clinical prose writes them: decimals, ranges, ratios, counts, percentages, durations. */
const NUMBERED = [
  (g: Gen) =>
    `${g.pick(MEASURES)} dropped from ${g.int(6, 15)}.${g.int(0, 9)} to ${g.int(4, 12)}.${g.int(0, 9)} overnight.`,
  (g: Gen) =>
    `${g.pick(MEASURES)} down to ${g.int(0, 5)}.${g.int(0, 9)} from a peak of ${g.int(1, 9)}.${g.int(0, 9)}.`,
  (g: Gen) =>
    `Hypertensive to ${g.int(140, 210)}/${g.int(70, 120)} on arrival, now ${g.int(100, 140)}/${g.int(50, 90)}.`,
  (g: Gen) => `Saturating ${g.int(84, 99)} percent on ${g.pick(["room air", "2 liters", "nasal cannula"])}.`,
  (g: Gen) => `Walked ${g.int(20, 400)} feet with a ${g.pick(["rolling walker", "cane", "standby assist"])}.`,
  (g: Gen) =>
    `Completed a ${g.int(3, 14)}-day course of ${g.pick(["cephalexin", "ceftriaxone", "doxycycline"])}.`,
  (g: Gen) => `Blood cultures grew ${g.pick(ORGANISMS)}; treated for ${g.int(5, 14)} days.`,
  (g: Gen) =>
    `Pain is ${g.int(0, 10)} out of 10 after ${g.pick(["scheduled analgesia", "ice", "repositioning"])}.`,
  (g: Gen) =>
    `Eating ${g.int(10, 100)} percent of meals; ${g.int(1, 4)} bowel movements in ${g.int(12, 48)} hours.`,
  (g: Gen) => `Weight gain of ${g.int(1, 6)} kg over ${g.pick(["three", "five", "seven"])} days.`,
  (g: Gen) =>
    `Vomited ${g.pick(["twice", "three times", "once"])} since ${g.pick(["midnight", "noon", "dinner"])}.`,
  (g: Gen) => `Oxygen requirement rose from ${g.int(1, 3)} to ${g.int(3, 6)} liters by nasal cannula.`,
  (g: Gen) => `Two units of packed red cells ordered; repeat in ${g.int(4, 12)} hours.`,
  (g: Gen) => `Rash on ${g.pick(BODY)} is ${g.pick(["spreading", "fading", "unchanged"])}.`,
];
const SECTIONS = ["Assessment:", "Plan:", "Hospital course:", "Impression:", "Subjective:", "Objective:"];
function fill(g: Gen, s: string): string {
  return s.replace(/\{d\}/g, () => String(g.int(1, 9)));
}

function lookalikeSnippet(g: Gen): string {
  const kinds = Object.keys(INDEPENDENT_LOOKALIKES);
  if (g.chance(0.5)) return fill(g, g.pick(INDEPENDENT_LOOKALIKES[g.pick(kinds)] as string[]));
  const capitalised = CAPITALISED_LOOKALIKES.tune.concat(CAPITALISED_LOOKALIKES.heldout);
  return g.pick(g.chance(0.5) ? LOOKALIKES : capitalised)[1];
}

function examLine(g: Gen): string {
  const system = g.pick(EXAM_SYSTEMS);
  const finding = g.pick(EXAM_FINDINGS);
  return g.chance(0.5) ? `${system}: ${finding}.` : `${system} ${finding}.`;
}

function statusLine(g: Gen): string {
  const status = g.pick(STATUS_WORDS);
  return g.chance(0.5) ? `${status}.` : `${status}, ${g.pick(STATUS_TAILS)}.`;
}

function sentence(g: Gen): string {
  switch (g.int(0, 10)) {
    case 9:
      return examLine(g);
    case 10:
      return statusLine(g);
    case 0:
      return `${g.pick(FINDINGS)} ${g.pick(STATES)}.`;
    case 1:
      return `${g.pick(ADJECTIVES)} ${g.pick(FINDINGS).toLowerCase()} ${g.pick(STATES)}.`;
    case 2:
      return g.chance(0.5)
        ? `${g.pick(OPENERS)} ${g.pick(ACTIVITIES)} with ${g.pick(AMOUNTS)}.`
        : `${g.pick(OPENERS)} ${g.pick(["with", "for", "after", "on"])} ${g.pick(FINDINGS).toLowerCase()}; ${lookalikeSnippet(g)}.`;
    case 3:
      return `${g.pick(SUBJECTS)} ${g.pick(["reports", "denies", "notes", "describes"])} ${g.pick(FINDINGS).toLowerCase()}; ${lookalikeSnippet(g)}.`;
    case 4:
      return `${g.pick(SECTIONS)} ${g.pick(FINDINGS).toLowerCase()} ${g.pick(STATES)}, ${lookalikeSnippet(g)}. ${g.pick(PLANS)}`;
    case 5:
      return `${lookalikeSnippet(g)}.`;
    case 6:
    case 7:
      return g.pick(NUMBERED)(g);
    default:
      return g.pick(PLANS);
  }
}

function phiFreeLines(count: number): string[] {
  const lines = new Set<string>();
  for (const n of generateIndependentCorpus("train", count)) {
    let at = 0;
    for (const line of n.text.split("\n")) {
      const start = at;
      const end = at + line.length;
      at = end + 1;
      if (line.trim().length < 12 || n.gold.some((s) => s.start < end && s.end > start)) continue;
      lines.add(line);
    }
  }
  return [...lines];
}

/**
 * `count` PHI-free documents of one to five sentences or corpus lines, deterministic for the count and seed.
 * Another seed gives held-out PHI-free text to measure false positives on without the bench's sentences.
 */
export function negativeNotes(count: number, seed: number = NEGATIVES_SEED): TrainingNote[] {
  if (!Number.isInteger(count) || count < 1)
    throw new Error(`negatives: count must be a positive integer, got ${count}`);
  const g = new Gen(prng(seed));
  const lines = phiFreeLines(900);
  const notes: TrainingNote[] = [];
  for (let i = 0; i < count; i++) {
    const parts: string[] = [];
    const n = g.int(1, 5);
    for (let k = 0; k < n; k++) parts.push(g.chance(0.3) ? g.pick(lines) : sentence(g));
    notes.push({ id: `negative-${i}`, text: parts.join(g.chance(0.3) ? "\n" : " "), gold: [] });
  }
  return notes;
}
