/**
 * The prepared document every recognizer reads: the text plus what several of them need, computed once
 * (clinical look-alike ranges, word tokens). Recognizers never rescan for these.
 */
import { insideLookalike, lookalikeRanges } from "./allowlist";
import { type Token, tokenize } from "./tokens";

export interface DeidDocument {
  readonly text: string;
  /** Sorted, non-overlapping [start, end) ranges of clinical look-alikes ("BP 128/82", "Na 138"). */
  readonly lookalikes: ReadonlyArray<[number, number]>;
  readonly tokens: readonly Token[];
}

export function prepareDocument(text: string): DeidDocument {
  return { text, lookalikes: lookalikeRanges(text), tokens: tokenize(text) };
}

/** True when [start, end) lies entirely inside one clinical look-alike of the document. */
export function inLookalike(doc: DeidDocument, start: number, end: number): boolean {
  return insideLookalike(doc.lookalikes, start, end);
}

/** The `size` characters before `start`, lower-cased: where label and phone/fax cues are looked for. */
export function windowBefore(doc: DeidDocument, start: number, size: number): string {
  return doc.text.slice(Math.max(0, start - size), start).toLowerCase();
}
