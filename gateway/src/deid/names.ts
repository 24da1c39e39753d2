/**
 * NAME recognizer: a single left-to-right walk over word tokens that combines cues
 * (titles, field labels, relatives, clinician credentials, "Last, First" order, initials) with the Census
 * first-name and surname dictionaries, and suppresses eponyms ("Parkinson's disease", "Apgar score").
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as lexicon from "./lexicon";
import { type Span, span } from "./span";

// Local bindings: module-namespace property reads on every token add up in the name walk.
const {
  CLINICIAN_SUFFIXES,
  DOTTED_ONLY_TITLES,
  EPONYM_HEADS,
  EPONYMS,
  MONTHS,
  NAME_CUE_WORDS,
  NOT_NAMES,
  RELATION_WORDS,
  TITLES,
  US_STATE_CODES,
} = lexicon;

export interface NameDictionaries {
  first: ReadonlySet<string>;
  last: ReadonlySet<string>;
}

let cached: NameDictionaries | undefined;

/** Loads gateway/data/names once; the path works from src/deid (tsx) and dist/deid (compiled). */
export function nameDictionaries(): NameDictionaries {
  if (cached) return cached;
  const dir = join(__dirname, "..", "..", "data", "names");
  const load = (file: string): Set<string> => {
    const text = readFileSync(join(dir, file), "utf8");
    return new Set(text.split("\n").filter((w) => w.length > 1));
  };
  cached = { first: load("first-names.txt"), last: load("surnames.txt") };
  return cached;
}

export interface Token {
  text: string;
  start: number;
  end: number;
  /** Lower-case, without a possessive "'s". */
  key: string;
  /** Capitalised word ("Smith", "McDonald", "O'Brien"). */
  cap: boolean;
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
const TOKEN = new RegExp(`[${L}][${L}'’]{0,40}(?:-[${L}][${L}'’]{0,40})?|\\d{1,40}|[^\\s${L}\\d]`, "g");
const CAP = /^(?:\p{Lu}[\p{Ll}\p{M}'’]|(?:Mc|Mac|O'|O’|D')\p{Lu})/u;
const UPPER_WORD = /^\p{Lu}{2,}$/u;

let stopWords: Set<string> | undefined;

export function tokenize(text: string): Token[] {
  const dicts = nameDictionaries();
  stopWords ??= new Set([...NOT_NAMES, ...EPONYMS, ...TITLES, ...MONTHS.keys()]);
  const stops = stopWords;
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
    tokens.push({
      text: t,
      start,
      end: start + t.length,
      key,
      stop: word && stops.has(key),
      first: word && dicts.first.has(key),
      last: word && dicts.last.has(key),
      // Fast path for ASCII: a capital then a lower-case letter; the regex handles the rest.
      cap:
        t.length > 1 && c0 >= 65 && c0 <= 90 && t.charCodeAt(1) >= 97 && t.charCodeAt(1) <= 122
          ? true
          : CAP.test(t),
      initial: t.length === 1 && c0 >= 65 && c0 <= 90,
      newline,
    });
    prevEnd = start + t.length;
  }
  return tokens;
}

const SENTENCE_END = new Set([".", "!", "?", ":", ";"]);

export function detectNames(text: string, out: Span[], tokens: readonly Token[] = tokenize(text)): void {
  const dicts = nameDictionaries();
  const n = tokens.length;
  const at = (i: number): Token | undefined => (i >= 0 && i < n ? tokens[i] : undefined);

  const isStop = (t: Token): boolean => t.stop;
  const isFirst = (t: Token): boolean => t.cap && t.first;
  const isLast = (t: Token): boolean => t.cap && t.last;
  /** A word that may continue a name: capitalised and not ordinary vocabulary. */
  const namePart = (t: Token | undefined): boolean => (t ? t.cap && !isStop(t) && !t.newline : false);
  /** "J" or "J." */
  const initialLen = (i: number): number => {
    const t = at(i);
    if (!t?.initial || t.newline) return 0;
    return at(i + 1)?.text === "." && !at(i + 1)?.newline ? 2 : 1;
  };
  /** The name is an eponym when followed by a clinical head word ("Bell's palsy", "Hodgkin lymphoma"). */
  const eponymAfter = (j: number): boolean => {
    const next = at(j + 1);
    const last = at(j);
    if (next && EPONYM_HEADS.has(next.key)) return true;
    // "Alzheimer's" alone, or "Smith's fracture" are clinical; a possessive plus head word was checked above.
    return last !== undefined && /['’]s$/.test(last.text) && EPONYMS.has(last.key);
  };
  const sentenceStart = (i: number): boolean => {
    const prev = at(i - 1);
    return prev === undefined || SENTENCE_END.has(prev.text) || tokens[i]?.newline === true;
  };

  const emit = (i: number, j: number, score: number): void => {
    const first = tokens[i] as Token;
    const last = tokens[j] as Token;
    let end = last.end;
    if (/['’]s$/.test(last.text)) end -= 2;
    out.push(span("NAME", first.start, end, score));
  };

  /**
   * Collects a name starting at token i: initials and name parts, at most 4 words, first word forced.
   * Returns the last token index, or -1 when there is no name there.
   */
  const collect = (i: number, forceFirst: boolean): number => {
    let j = i;
    let words = 0;
    let last = -1;
    while (j < n && words < 4) {
      const init = initialLen(j);
      const t = tokens[j] as Token;
      if (init > 0 && j + init < n) {
        // An initial counts only when a name word follows ("J. Smith"), not at the end ("Smith J.").
        last = j + init - 1;
        j += init;
        words++;
        continue;
      }
      if (t.newline && j > i) break;
      // After a listed first name, a listed surname is accepted even if it is also a word ("Tyra Miles").
      const prevToken = at(j - 1);
      const surnameAfterFirst =
        words > 0 &&
        prevToken !== undefined &&
        isFirst(prevToken) &&
        isLast(t) &&
        !t.newline &&
        !MONTHS.has(t.key) &&
        !TITLES.has(t.key) &&
        !EPONYM_HEADS.has(at(j + 1)?.key ?? "");
      const accept = forceFirst && j === i ? t.cap && !TITLES.has(t.key) : namePart(t) || surnameAfterFirst;
      if (!accept) break;
      last = j;
      j++;
      words++;
      if (/['’]s$/.test(t.text)) break;
    }
    // Trailing initial without a word after it: trim it.
    while (last >= i && (tokens[last]?.initial || tokens[last]?.text === ".")) last--;
    return last;
  };

  let i = 0;
  while (i < n) {
    const t = tokens[i] as Token;

    // Title cue: "Dr. Smith", "Mrs. O'Brien", "Sister Mary Jo". Title itself is not part of the span.
    if (t.cap && TITLES.has(t.key)) {
      const dotted = at(i + 1)?.text === ".";
      if (!DOTTED_ONLY_TITLES.has(t.key) || dotted) {
        const s = i + (dotted ? 2 : 1);
        const e = s < n ? collect(s, true) : -1;
        if (e >= s) {
          emit(s, e, 0.95);
          i = e + 1;
          continue;
        }
      }
    }
    if (NAME_CUE_WORDS.has(t.key) || RELATION_WORDS.has(t.key)) {
      let s = i + 1;
      while (
        s < n &&
        (at(s)?.text === ":" ||
          at(s)?.text === "," ||
          at(s)?.key === "name" ||
          at(s)?.key === "named" ||
          at(s)?.key === "is")
      )
        s++;
      const cand = at(s);
      const weakCue = t.key === "by" || t.key === "with" || t.key === "per";
      const initialFirst = cand !== undefined && initialLen(s) > 0 && namePart(at(s + initialLen(s)));
      // After a strong cue, a given name that is also a word counts when a surname follows ("Patient: April Jones").
      const wordFirst =
        cand !== undefined &&
        !weakCue &&
        isFirst(cand) &&
        !TITLES.has(cand.key) &&
        (namePart(at(s + 1)) || (at(s + 1) !== undefined && isLast(at(s + 1) as Token)));
      // Without a colon a capitalised label may be ordinary text ("Contact Guard Assist"): then the name must
      // start with a listed given name or an initial, unless the cue is a relative ("his son Kwabena").
      let colon = false;
      for (let k = i + 1; k < s; k++) if (at(k)?.text === ":") colon = true;
      const plainEnough =
        colon || RELATION_WORDS.has(t.key) || !t.cap || initialFirst || isFirst(cand as Token);
      if (
        cand &&
        plainEnough &&
        (namePart(cand) || initialFirst || wordFirst) &&
        (!weakCue || isFirst(cand) || isLast(cand))
      ) {
        let e = collect(s, wordFirst && !namePart(cand));
        // "Name: Okafor, Chidi" — a label followed by "Last, First" on its own.
        if (!weakCue && e === s && at(e + 1)?.text === "," && namePart(at(e + 2))) {
          const after = at(e + 3);
          const fieldBreak =
            after !== undefined && /\s{2,}|\t/.test(text.slice((tokens[e + 2] as Token).end, after.start));
          if (after === undefined || after.newline || fieldBreak || !namePart(after) || after.initial) {
            e += 2;
            const init = initialLen(e + 1);
            if (init > 0) e += init;
          }
        }
        if (e >= s && !eponymAfter(e)) {
          emit(s, e, weakCue ? 0.8 : 0.9);
          i = e + 1;
          continue;
        }
      }
    }

    if (t.cap) {
      // "Last, First [M.]": "Smith, John", "Nguyen, Thi B."; also "SMITH, JOHN".
      const comma = at(i + 1);
      const second = at(i + 2);
      if (
        comma?.text === "," &&
        second &&
        !second.newline &&
        (!isStop(t) || (dicts.last.has(t.key) && !MONTHS.has(t.key) && !TITLES.has(t.key))) &&
        // The given name may be a word ("Crain, Hazel") when the surname before the comma is a clear one.
        (!isStop(second) ||
          (!isStop(t) && dicts.last.has(t.key) && !MONTHS.has(second.key) && !TITLES.has(second.key))) &&
        dicts.first.has(second.key) &&
        second.cap &&
        !US_STATE_CODES.has(second.text) &&
        (dicts.last.has(t.key) || !dicts.first.has(t.key))
      ) {
        let e = i + 2;
        const init = initialLen(e + 1);
        if (init > 0) e += init;
        emit(i, e, 0.85);
        i = e + 1;
        continue;
      }
    }
    if (UPPER_WORD.test(t.text) && at(i + 1)?.text === ",") {
      const second = at(i + 2);
      if (second && UPPER_WORD.test(second.text) && dicts.last.has(t.key) && dicts.first.has(second.key)) {
        if (!isStop(t) && !isStop(second)) {
          emit(i, i + 2, 0.85);
          i += 3;
          continue;
        }
      }
    }

    // Initials then surname: "J. Smith", "J.R. Okafor".
    const init = initialLen(i);
    if (init > 0) {
      let s = i + init;
      const init2 = initialLen(s);
      if (init2 > 0) s += init2;
      const sur = at(s);
      if (sur && namePart(sur) && isLast(sur) && !eponymAfter(s)) {
        const e = collect(s, false);
        emit(i, e, 0.8);
        i = e + 1;
        continue;
      }
    }

    // Dictionary: first name, optional initial, then surname-like words: "Maria Lopez", "John Q. Public".
    if (t.cap && dicts.first.has(t.key) && !EPONYMS.has(t.key) && !MONTHS.has(t.key)) {
      const next = initialLen(i + 1) > 0 ? i + 1 + initialLen(i + 1) : i + 1;
      const nt = at(next);
      const stop = isStop(t);
      // After a clear first name, a listed surname counts even if it is also a word ("Gia Head", "Ann Rice").
      const listedSurname =
        nt !== undefined &&
        !stop &&
        !nt.newline &&
        isLast(nt) &&
        !MONTHS.has(nt.key) &&
        !TITLES.has(nt.key) &&
        !eponymAfter(next);
      if (nt && (namePart(nt) || listedSurname) && (!stop || isLast(nt))) {
        const e = collect(next, listedSurname && !namePart(nt));
        if (e >= next && !eponymAfter(e)) {
          emit(i, e, stop ? 0.75 : 0.85);
          i = e + 1;
          continue;
        }
      }
      if (!stop && !eponymAfter(i)) {
        emit(i, i, 0.6);
        i++;
        continue;
      }
    }

    // Credentials after a name: "Jane Doe, MD", "Kim RN".
    if (CLINICIAN_SUFFIXES.has(t.key) && t.text === t.text.toUpperCase() && i > 0) {
      let e = i - 1;
      if (at(e)?.text === ",") e--;
      let s = e;
      // Right before a credential, a listed name counts even if it is also a word ("Grace, RN").
      const nameLike = (x: Token | undefined): boolean =>
        namePart(x) ||
        (x ? x.cap && (isFirst(x) || isLast(x)) && !MONTHS.has(x.key) && !TITLES.has(x.key) : false);
      while (
        s > 0 &&
        s > e - 3 &&
        !at(s)?.newline &&
        (nameLike(at(s - 1)) || at(s - 1)?.initial || at(s - 1)?.text === ".")
      )
        s--;
      while (s <= e && !nameLike(at(s)) && !at(s)?.initial) s++;
      // Overlap resolution prefers this strong span over a weaker dictionary guess for part of the name.
      if (s <= e && nameLike(at(e))) emit(s, e, 0.9);
    }

    // A lone surname mid-sentence is weak evidence ("spoke with Okafor"); never at a sentence start.
    const afterEponym = at(i - 1) !== undefined && EPONYMS.has((at(i - 1) as Token).key);
    // "Stage 2", "Green Bay Packers": a listed surname followed by a number or by another capitalised word
    // that no rule explained is part of something else.
    const following = at(i + 1);
    const partOfPhrase =
      following !== undefined && !following.newline && (/^\d/.test(following.text) || following.cap);
    if (
      t.cap &&
      isLast(t) &&
      !isStop(t) &&
      !sentenceStart(i) &&
      !eponymAfter(i) &&
      !afterEponym &&
      !partOfPhrase &&
      t.key.length > 2
    ) {
      // An unlisted capitalised word or an initial right before it is most likely the given name ("Kofi Konecny").
      const prev = at(i - 1);
      const prevInitial = prev?.text === "." && at(i - 2)?.initial === true && !at(i - 2)?.newline;
      if (prevInitial) emit(i - 2, i, 0.6);
      else if (prev && namePart(prev) && !t.newline && !sentenceStart(i - 1)) emit(i - 1, i, 0.6);
      else emit(i, i, 0.5);
    }
    i++;
  }
}

/** Word tokens of a confidently found name that are distinctive enough to redact elsewhere. */
export function namePartsForSecondPass(name: string): string[] {
  const parts: string[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(name); m !== null; m = TOKEN.exec(name)) {
    const w = m[0].replace(/['’]s$/, "");
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
    if (!t.cap && !(t.text.length > 1 && UPPER_WORD.test(t.text))) continue;
    const bare = t.text.replace(/['’]s$/, "");
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
