/**
 * The learned detector as a recognizer of the de-identification registry (gateway/src/deid/recognizer.ts).
 * Its spans join the rules' candidates before overlap resolution, the look-alike filter and the second pass.
 */
import { type DeidDocument, inLookalike } from "../deid/document";
import type { AsyncRecognizer } from "../deid/recognizer";
import type { Span } from "../deid/span";
import { DEFAULT_DEID_MODEL_PATH, type DeidModel, type DeidModelOptions, loadDeidModel } from "./index";

export const MODEL_RECOGNIZER_NAME = "learned-model";

/**
 * Model spans enter as weak evidence (below the resolver's 0.7): where a rule matched a validated or labelled
 * form, the rule's span wins the overlap and keeps what only it knows (a date's written form, which date
 * shifting needs), and weak candidates inside a clinical look-alike are dropped like the rules' own.
 */
export const MODEL_SPAN_SCORE = 0.69;

export function modelRecognizer(model: DeidModel): AsyncRecognizer {
  return {
    name: MODEL_RECOGNIZER_NAME,
    async findAsync(doc: DeidDocument): Promise<Span[]> {
      const spans = await model.find(doc.text);
      // The look-alike filter in detect.ts spares validated types; a model guess inside "Na 138" is never one.
      return spans
        .filter((s) => !inLookalike(doc, s.start, s.end))
        .map((s) => ({
          type: s.type,
          start: s.start,
          end: s.end,
          score: Math.min(s.score, MODEL_SPAN_SCORE),
        }));
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
