/**
 * The learned detector as a recognizer of the de-identification registry (gateway/src/deid/recognizer.ts).
 * Its spans join the rules' candidates before overlap resolution, the look-alike filter and the second pass.
 */
import { type DeidDocument, inLookalike } from "../deid/document";
import { NAME_CUE_WORDS } from "../deid/lexicon";
import type { AsyncRecognizer } from "../deid/recognizer";
import type { Span } from "../deid/span";
import { keptLearnedSpanType } from "./evidence";
import { DEFAULT_DEID_MODEL_PATH, type DeidModel, type DeidModelOptions, loadDeidModel } from "./index";

export const MODEL_RECOGNIZER_NAME = "learned-model";

/**
 * Model spans enter as strong evidence (the resolver keeps strong spans first) but below the rules' scores
 * (0.8-0.95): between two overlapping spans of one type the longer wins, so a model span that runs past a
 * rule's partial match ("St. Jude Hospital" + " of Glodgeholm") replaces it, while for the same extent the
 * rule's span wins and keeps what only it knows (a date's written form, which date shifting needs). Below 0.8,
 * model names neither seed the second pass nor survive inside a clinical look-alike.
 */
export const MODEL_SPAN_SCORE = 0.75;

/**
 * A model span inside a clinical look-alike ("Na 138") is dropped unless the model is this sure: the rules'
 * look-alike list also covers forms that are PHI in context ("105F" the age, not the temperature).
 */
export const LOOKALIKE_OVERRIDE_SCORE = 0.9;

const LEADING_WORD = /^([\p{L}]+)[\s:,.]+/u;

/** No identifier is punctuation alone: a model span without a letter or digit (a lone "." or "+") is noise. */
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/**
 * A name cue opening a model span ("Patient John" read as a place at the start of a short note) is the cue, not
 * the identifier: the rules' cue list says so, and the rules find the name after it.
 */
function withoutLeadingCues(text: string, s: { start: number; end: number }): number {
  let start = s.start;
  for (let m = LEADING_WORD.exec(text.slice(start, s.end)); m !== null; ) {
    if (!NAME_CUE_WORDS.has((m[1] as string).toLowerCase())) break;
    start += m[0].length;
    m = LEADING_WORD.exec(text.slice(start, s.end));
  }
  return start;
}

export function modelRecognizer(model: DeidModel): AsyncRecognizer {
  return {
    name: MODEL_RECOGNIZER_NAME,
    async findAsync(doc: DeidDocument): Promise<Span[]> {
      const spans = await model.find(doc.text);
      return spans
        .filter((s) => s.score >= LOOKALIKE_OVERRIDE_SCORE || !inLookalike(doc, s.start, s.end))
        .map(
          (s): Span => ({
            type: s.type,
            start: withoutLeadingCues(doc.text, s),
            end: s.end,
            score: Math.min(s.score, MODEL_SPAN_SCORE),
            learned: true,
          }),
        )
        .flatMap((s): Span[] => {
          if (!(s.end > s.start && LETTER_OR_DIGIT.test(doc.text.slice(s.start, s.end)))) return [];
          const type = keptLearnedSpanType(s.type, doc.text, s.start, s.end);
          return type ? [{ ...s, type }] : [];
        });
    },
  };
}

/** Loads the model (throws when it is missing or invalid: the caller must not serve without it). */
export async function loadModelRecognizer(
  path: string = DEFAULT_DEID_MODEL_PATH,
  options: DeidModelOptions = {},
): Promise<AsyncRecognizer & { close(): Promise<void> }> {
  const model = await loadDeidModel(path, options);
  return { ...modelRecognizer(model), close: () => model.close() };
}
