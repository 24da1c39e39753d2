/**
 * Word tokens with the per-token facts the name recognizer and the second pass need (capitalisation, initials,
 * line breaks, dictionary and stop-word flags), computed once per document.
 */
import { nameDictionaries } from "./dictionaries";
import { EPONYMS, MONTHS, NOT_NAMES, TITLES } from "./lexicon";

export interface Token {
  text: string;
  start: number;
  end: number;
  /** Lower-case, without a possessive "'s". */
  key: string;
  /** Capitalised word ("Smith", "McDonald", "O'Brien"). */
  cap: boolean;
  /** Two or more capitals and nothing else ("SMITH"). */
  upper: boolean;
  /** Single capital letter, optionally followed by a period token ("J" in "J. Smith"). */
  initial: boolean;
  /** A line break sits between this token and the previous one. */
  newline: boolean;
  /** Ordinary vocabulary, eponym, title or month: never a name on dictionary evidence alone. */
  stop: boolean;
  /** Listed Census given name / surname (case-insensitive). */
  first: boolean;
  last: boolean;
}

/**
 * Letters as explicit ranges (ASCII, Latin-1 without × and ÷, Latin Extended through Greek, Cyrillic and the
 * other alphabetic blocks, CJK and Hangul) instead of \p{L}: a non-unicode class keeps V8 on its fast path.
 */
const L = "A-Za-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u1FFF\\u2C00-\\uD7FF";
export const TOKEN = new RegExp(
  `[${L}][${L}'’]{0,40}(?:-[${L}][${L}'’]{0,40})?|\\d{1,40}|[^\\s${L}\\d]`,
  "g",
);
export const CAP = /^(?:\p{Lu}[\p{Ll}\p{M}'’]|(?:Mc|Mac|O'|O’|D')\p{Lu})/u;
export const UPPER_WORD = /^\p{Lu}{2,}$/u;
/** A possessive ending, which name spans and second-pass words leave out. */
export const POSSESSIVE = /['’]s$/;

const STOP = 1;
const FIRST = 2;
const LAST = 4;
let wordFlags: Map<string, number> | undefined;

/** Stop word, given name and surname flags in one map: one lookup per capitalised word instead of three. */
function flagsByWord(): Map<string, number> {
  if (wordFlags) return wordFlags;
  const dicts = nameDictionaries();
  const flags = new Map<string, number>();
  const mark = (words: Iterable<string>, bit: number): void => {
    for (const w of words) flags.set(w, (flags.get(w) ?? 0) | bit);
  };
  mark([...NOT_NAMES, ...EPONYMS, ...TITLES, ...MONTHS.keys()], STOP);
  mark(dicts.first, FIRST);
  mark(dicts.last, LAST);
  wordFlags = flags;
  return flags;
}

export function tokenize(text: string): Token[] {
  const byWord = flagsByWord();
  const tokens: Token[] = [];
  let prevEnd = 0;
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m !== null; m = TOKEN.exec(text)) {
    const t = m[0];
    const start = m.index;
    let newline = false;
    for (let k = prevEnd; k < start; k++) {
      if (text.charCodeAt(k) === 10) {
        newline = true;
        break;
      }
    }
    const lower = t.toLowerCase();
    const c0 = t.charCodeAt(0);
    const key =
      lower.endsWith("s") && (lower.endsWith("'s") || lower.endsWith("’s")) ? lower.slice(0, -2) : lower;
    // Only capitalised words can start or continue a name; lower-case words skip the dictionary lookups.
    const word = t.length > 1 && ((c0 >= 65 && c0 <= 90) || c0 > 127);
    // An ASCII first character other than A-Z can open neither CAP nor UPPER_WORD: no regex for most tokens.
    const lowerAscii = c0 < 128 && !(c0 >= 65 && c0 <= 90);
    const flags = word ? (byWord.get(key) ?? 0) : 0;
    tokens.push({
      text: t,
      start,
      end: start + t.length,
      key,
      stop: (flags & STOP) !== 0,
      first: (flags & FIRST) !== 0,
      last: (flags & LAST) !== 0,
      // Fast path for ASCII: a capital then a lower-case letter; the regex handles the rest.
      cap: lowerAscii
        ? false
        : t.length > 1 && c0 >= 65 && c0 <= 90 && t.charCodeAt(1) >= 97 && t.charCodeAt(1) <= 122
          ? true
          : CAP.test(t),
      upper: !lowerAscii && t.length > 1 && UPPER_WORD.test(t),
      initial: t.length === 1 && c0 >= 65 && c0 <= 90,
      newline,
    });
    prevEnd = start + t.length;
  }
  return tokens;
}
