/**
 * The state and token predicates shared by the name passes: one walk over a document's tokens, the spans
 * found so far, and "collect", which extends a name over initials and name parts.
 */
import { nameDictionaries } from "./dictionaries";
import * as lexicon from "./lexicon";
import type { Span } from "./span";
import * as spans from "./span";
import type { Token } from "./tokens";
import * as tokenModule from "./tokens";

// Local bindings: module-namespace property reads (getters under tsx) on every token add up in the name walk.
const { EPONYM_HEADS, EPONYMS, MONTHS, TITLES } = lexicon;
const { span } = spans;
const { POSSESSIVE } = tokenModule;

const SENTENCE_END = new Set([".", "!", "?", ":", ";"]);
/** At most this many words (initials included) in one name. */
const MAX_NAME_WORDS = 4;

export class NameWalk {
  readonly n: number;
  readonly dicts = nameDictionaries();
  readonly out: Span[] = [];

  constructor(
    readonly text: string,
    readonly tokens: readonly Token[],
  ) {
    this.n = tokens.length;
  }

  at(i: number): Token | undefined {
    return i >= 0 && i < this.n ? this.tokens[i] : undefined;
  }

  /** A word that may continue a name: capitalised and not ordinary vocabulary. */
  namePart(t: Token | undefined): boolean {
    return t ? t.cap && !t.stop && !t.newline : false;
  }

  /** Tokens taken by an initial at i: 2 for "J.", 1 for "J", 0 for none. */
  initialLen(i: number): number {
    const t = this.at(i);
    if (!t?.initial || t.newline) return 0;
    return this.at(i + 1)?.text === "." && !this.at(i + 1)?.newline ? 2 : 1;
  }

  /** The name is an eponym when followed by a clinical head word ("Bell's palsy", "Hodgkin lymphoma"). */
  eponymAfter(j: number): boolean {
    const next = this.at(j + 1);
    const last = this.at(j);
    if (next && EPONYM_HEADS.has(next.key)) return true;
    // "Alzheimer's" alone, or "Smith's fracture" are clinical; a possessive plus head word was checked above.
    return last !== undefined && POSSESSIVE.test(last.text) && EPONYMS.has(last.key);
  }

  sentenceStart(i: number): boolean {
    const prev = this.at(i - 1);
    return prev === undefined || SENTENCE_END.has(prev.text) || this.tokens[i]?.newline === true;
  }

  /** Reports tokens i..j as a name, without a trailing possessive "'s". */
  emit(i: number, j: number, score: number): void {
    const first = this.tokens[i] as Token;
    const last = this.tokens[j] as Token;
    let end = last.end;
    if (POSSESSIVE.test(last.text)) end -= 2;
    this.out.push(span("NAME", first.start, end, score));
  }

  /**
   * Collects a name starting at token i: initials and name parts, at most 4 words, first word forced.
   * Returns the last token index, or -1 when there is no name there.
   */
  collect(i: number, forceFirst: boolean): number {
    const { tokens, n } = this;
    let j = i;
    let words = 0;
    let last = -1;
    while (j < n && words < MAX_NAME_WORDS) {
      const init = this.initialLen(j);
      const t = tokens[j] as Token;
      if (init > 0 && j + init < n) {
        // An initial counts only when a name word follows ("J. Smith"), not at the end ("Smith J.").
        last = j + init - 1;
        j += init;
        words++;
        continue;
      }
      if (t.newline && j > i) break;
      const accept =
        forceFirst && j === i
          ? t.cap && !TITLES.has(t.key)
          : this.namePart(t) || this.surnameAfterFirst(j, words);
      if (!accept) break;
      last = j;
      j++;
      words++;
      if (POSSESSIVE.test(t.text)) break;
    }
    // Trailing initial without a word after it: trim it.
    while (last >= i && (tokens[last]?.initial || tokens[last]?.text === ".")) last--;
    return last;
  }

  /** After a listed first name, a listed surname is accepted even if it is also a word ("Tyra Miles"). */
  private surnameAfterFirst(j: number, words: number): boolean {
    const t = this.tokens[j] as Token;
    const prev = this.at(j - 1);
    return (
      words > 0 &&
      prev !== undefined &&
      isFirst(prev) &&
      isLast(t) &&
      !t.newline &&
      !MONTHS.has(t.key) &&
      !TITLES.has(t.key) &&
      !EPONYM_HEADS.has(this.at(j + 1)?.key ?? "")
    );
  }
}

/** A capitalised listed given name / surname. */
export const isFirst = (t: Token): boolean => t.cap && t.first;
export const isLast = (t: Token): boolean => t.cap && t.last;
