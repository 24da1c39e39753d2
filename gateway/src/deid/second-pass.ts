/**
 * The second pass: every other mention of a confidently found name part or identifier ("Mrs. Oyelowo" found,
 * then "OYELOWO" and "Kwabena Oyelowo" later in the note) is reported too.
 */
import { PHI_TYPES, type PhiType } from "../contracts";
import type { DeidDocument } from "./document";
import { EPONYMS, MONTHS, NOT_NAMES, TITLES } from "./lexicon";
import { type Span, span } from "./span";
import { CAP, POSSESSIVE, TOKEN, type Token } from "./tokens";

/** Score from which a finding seeds the second pass, and the score of what the pass adds. */
export const CONFIDENT = 0.8;
/** Upper bound on distinct identifier strings searched in the second pass, to keep it linear in practice. */
const MAX_SECOND_PASS_TERMS = 256;
/**
 * Not searched again verbatim: names go through their parts, and dates, ages and places recur innocently
 * ("Boston", "2019"). Every other PHI type is an identifier whose exact string means the same thing wherever it
 * recurs, so a type added to PHI_TYPES is searched again by default.
 */
const NOT_VERBATIM = new Set<PhiType>(["NAME", "DATE", "AGE", "ADDRESS", "CITY", "LOCATION", "ZIP"]);
const IDENTIFIER_TYPES: ReadonlySet<PhiType> = new Set(PHI_TYPES.filter((t) => !NOT_VERBATIM.has(t)));

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && /[\p{L}\p{N}]/u.test(c);
}

function titleCase(w: string): string {
  return w.charAt(0) + w.slice(1).toLowerCase();
}

/** Word tokens of a confidently found name that are distinctive enough to redact elsewhere. */
export function namePartsForSecondPass(name: string): string[] {
  const parts: string[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(name); m !== null; m = TOKEN.exec(name)) {
    const w = m[0].replace(POSSESSIVE, "");
    const key = w.toLowerCase();
    if (w.length < 2 || !CAP.test(w) || NOT_NAMES.has(key) || EPONYMS.has(key) || TITLES.has(key)) continue;
    parts.push(w);
  }
  return parts;
}

/** Capitalised or all-caps words for the second pass: [start, end, word], without a possessive "'s". */
export function capitalisedWords(tokens: readonly Token[]): Array<[number, number, string]> {
  const words: Array<[number, number, string]> = [];
  for (const t of tokens) {
    if (!t.cap && !t.upper) continue;
    const bare = t.text.replace(POSSESSIVE, "");
    words.push([t.start, t.start + bare.length, bare]);
  }
  return words;
}

const NAME_BEFORE = /(\p{Lu}[\p{Ll}\p{M}'’-]{0,30}\.?)[ \t]{1,2}$/u;

/**
 * Second-pass mentions often carry the rest of the name next to them ("registered to Kwabena Oyelowo" after
 * "Mrs. Oyelowo"): extend the start over up to two preceding initials or capitalised non-vocabulary words.
 */
export function extendNameStart(text: string, start: number): number {
  let at = start;
  for (let step = 0; step < 2; step++) {
    const m = NAME_BEFORE.exec(text.slice(Math.max(0, at - 34), at));
    if (!m) break;
    const word = (m[1] as string).replace(/\.$/, "");
    const key = word.toLowerCase();
    const initial = word.length === 1;
    if (!initial && (NOT_NAMES.has(key) || EPONYMS.has(key) || TITLES.has(key) || MONTHS.has(key))) break;
    at -= m[0].length;
  }
  return at;
}

/** New spans for other mentions; `covered` marks characters already taken by kept spans. */
export function secondPass(doc: DeidDocument, kept: readonly Span[], covered: Uint8Array): Span[] {
  const { text, tokens } = doc;
  const found: Span[] = [];
  const nameWords = new Set<string>();
  const identifiers = new Map<string, PhiType>();
  for (const s of kept) {
    if (s.score < CONFIDENT) continue;
    const value = text.slice(s.start, s.end);
    if (s.type === "NAME") {
      for (const part of namePartsForSecondPass(value)) nameWords.add(part);
    } else if (
      IDENTIFIER_TYPES.has(s.type) &&
      value.length >= 4 &&
      identifiers.size < MAX_SECOND_PASS_TERMS
    ) {
      identifiers.set(value, s.type);
    }
  }
  if (nameWords.size > 0) {
    for (const [start, end, word] of capitalisedWords(tokens)) {
      if (covered[start] === 1) continue;
      // Exact form or all-caps form of the name part ("Smith", "SMITH").
      if (nameWords.has(word) || (word === word.toUpperCase() && nameWords.has(titleCase(word)))) {
        const from = extendNameStart(text, start);
        let free = true;
        for (let k = from; k < start; k++) if (covered[k] === 1) free = false;
        found.push(span("NAME", free ? from : start, end, CONFIDENT));
      }
    }
  }
  for (const [value, type] of identifiers) {
    for (let at = text.indexOf(value); at !== -1; at = text.indexOf(value, at + value.length)) {
      if (covered[at] === 1) continue;
      if (isWordChar(text[at - 1]) || isWordChar(text[at + value.length])) continue;
      found.push(span(type, at, at + value.length, CONFIDENT));
    }
  }
  return found;
}
