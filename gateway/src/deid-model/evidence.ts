/**
 * When a span of the learned detector is kept, and as which type. The model reads hashed word features; on
 * prose unlike its training notes it takes ordinary words for identifiers ("since midnight" a date, "walked
 * 150 feet" an age, "creatinine 1.3" a phone number, "Patient denies fever" a place and a name). The rules'
 * spans never pass through here.
 *
 * Shapes: every value of the numbered types has a digit, a date a month name or joined numbers, an age one
 * of 90 or more (Safe Harbor keeps younger ages), an e-mail an @, a URL a dot or slash between characters.
 * A capitalised span without a digit that fails its type's shape is a name the model mistyped ("Teixeira" a
 * ZIP code, "LEIF" an MRN): it is kept as a NAME, because a leaked name costs more than a wrong label.
 *
 * Names and places have no shape; the rules' vocabulary applies instead. Not a name or a place: an eponym
 * before its clinical head word ("Hodgkin lymphoma"); a department of the facility rule's generic words only
 * ("Cardiology Clinic"); a lower-case word no Census name list knows ("fever"); an English word that opens a
 * sentence, where its capital says nothing ("Tolerated physical therapy well"), unless a name list knows
 * it ("Rose was seen"). Holding every capitalised span to the rules' ordinary words (NOT_NAMES) was tried
 * and cost 0.6 points of NAME recall on the dev split (initials such as "CM"), so elsewhere a capital keeps
 * the model's decision.
 */
import type { PhiType } from "../contracts";
import { englishWords, nameDictionaries } from "../deid/dictionaries";
import { EPONYM_HEADS, EPONYMS, GENERIC_FACILITY_HEADS, GENERIC_PLACE_WORDS, MONTHS } from "../deid/lexicon";

const DIGIT = /\p{N}/u;
const UPPER = /\p{Lu}/u;
/** A word that begins with a capital, as names do ("Teixeira", "LEIF", "-Jung"); "mmHg" does not. */
const CAPITALISED_WORD = /(?:^|[^\p{L}])\p{Lu}/u;
const LETTER = /\p{L}/u;
const WORD = /\p{L}+/gu;

/** Types whose every value holds a digit (in Safe Harbor's sense: a number, a code, a dated element). */
const NUMBERED: ReadonlySet<PhiType> = new Set<PhiType>([
  "AGE",
  "PHONE",
  "FAX",
  "SSN",
  "MRN",
  "HEALTH_PLAN",
  "ACCOUNT",
  "LICENSE",
  "VEHICLE",
  "DEVICE",
  "IP",
  "ZIP",
  "ID",
]);

/** Types a measured decimal ("11.2", "1.3") is never: a date written d.m needs its year to be one. */
const NOT_A_DECIMAL: ReadonlySet<PhiType> = new Set<PhiType>(["DATE", "AGE", "PHONE", "FAX", "ZIP"]);

/** The types `hasTypeEvidence` holds to a shape; names, places and addresses have none. */
const SHAPED: ReadonlySet<PhiType> = new Set<PhiType>([...NUMBERED, ...NOT_A_DECIMAL, "EMAIL", "URL"]);

/** A URL has characters on both sides of a dot, slash or colon ("portal.example.org", "host/path"). */
const URL_SHAPE = /[\p{L}\p{N}][./:@][\p{L}\p{N}]/u;

/** The whole number a span sits in: its digits and the dots and digits right around it. */
function enclosingNumber(text: string, start: number, end: number): string {
  const numeric = (i: number): boolean => {
    const c = text.charCodeAt(i);
    return (c >= 48 && c <= 57) || c === 46;
  };
  let from = start;
  let to = end;
  while (from > 0 && numeric(from - 1)) from--;
  while (to < text.length && numeric(to)) to++;
  // A sentence's full stop after the number is not part of it.
  while (to > from && text.charCodeAt(to - 1) === 46) to--;
  while (from < to && text.charCodeAt(from) === 46) from++;
  return text.slice(from, to);
}

const DECIMAL = /^\d{1,4}\.\d{1,3}$/;

/**
 * Without a month name a date needs two numbers joined ("3/14", "2024-03", "14.3.2024") or one run of six or
 * more digits ("20240314"): a lone "10" or "2" is a count, and a bare year ("in 2019") is not PHI under Safe
 * Harbor.
 */
const DATE_DIGITS = /\d[/.-]\d|\d{6}/;

/** Safe Harbor keeps ages under 90: a span whose numbers are all below 90 is clinical content. */
function ageUnder90(s: string): boolean {
  const numbers = s.match(/\d+/g);
  return numbers?.every((n) => Number(n) < 90) ?? false;
}

function namesAMonth(s: string): boolean {
  for (const m of s.matchAll(WORD)) if (MONTHS.has(m[0].toLowerCase())) return true;
  return false;
}

/** True when `text[start, end)` can be a value of `type`; false when it lacks what every such value has. */
export function hasTypeEvidence(type: PhiType, text: string, start: number, end: number): boolean {
  if (!SHAPED.has(type)) return true;
  const s = text.slice(start, end);
  if (NUMBERED.has(type) && !DIGIT.test(s)) return false;
  if (type === "DATE" && !DATE_DIGITS.test(s) && !namesAMonth(s)) return false;
  if (type === "AGE" && ageUnder90(s)) return false;
  if (type === "EMAIL" && !s.includes("@")) return false;
  if (type === "URL" && !(URL_SHAPE.test(s) && LETTER.test(s))) return false;
  if (NOT_A_DECIMAL.has(type)) {
    const first = s.search(DIGIT);
    if (first >= 0) {
      let last = s.length - 1;
      while (last > first && !DIGIT.test(s[last] as string)) last--;
      if (DECIMAL.test(enclosingNumber(text, start + first, start + last + 1))) return false;
    }
  }
  return true;
}

/**
 * The type a learned span is kept as: its own when it has the evidence, NAME when it is capitalised letters
 * the model mistyped, undefined when it is neither (an ordinary word or a measured value: dropped).
 */
export function learnedSpanType(
  type: PhiType,
  text: string,
  start: number,
  end: number,
): PhiType | undefined {
  if (hasTypeEvidence(type, text, start, end)) return type;
  const s = text.slice(start, end);
  return CAPITALISED_WORD.test(s) && !DIGIT.test(s) ? "NAME" : undefined;
}

const NAME_OR_PLACE: ReadonlySet<PhiType> = new Set<PhiType>(["NAME", "CITY", "LOCATION"]);
/** What may sit between an eponym and its head word: "'s", a hyphen, spaces; read where the span ends. */
const EPONYM_JOIN = /(?:['’]s)?[\s-]{0,3}(\p{L}+)/uy;

function words(s: string): string[] {
  return [...s.matchAll(WORD)].map((m) => m[0].toLowerCase());
}

/** "Hodgkin" in "Hodgkin lymphoma", "Down" in "Down syndrome": eponyms only, then a clinical head word. */
function eponymTerm(text: string, start: number, end: number): boolean {
  // The head word is the rarer condition and the cheaper test: most names are followed by none.
  EPONYM_JOIN.lastIndex = end;
  const head = EPONYM_JOIN.exec(text)?.[1];
  if (head === undefined || !EPONYM_HEADS.has(head.toLowerCase())) return false;
  const ws = words(text.slice(start, end)).filter((w) => w !== "s");
  return ws.length > 0 && ws.every((w) => EPONYMS.has(w));
}

const inNameLists = (w: string): boolean => {
  const { first, last } = nameDictionaries();
  return first.has(w) || last.has(w);
};

/** A department, not a place: generic words and a service head only ("Emergency Department", "Primary Care"). */
function genericDepartment(s: string): boolean {
  const ws = words(s);
  return ws.length > 0 && ws.every((w) => GENERIC_PLACE_WORDS.has(w) || GENERIC_FACILITY_HEADS.has(w));
}

/** Where a sentence, line, list item or table cell begins, capitalisation says nothing about a word. */
function atSentenceStart(text: string, start: number): boolean {
  let i = start - 1;
  while (i >= 0 && (text[i] === " " || text[i] === "\t")) i--;
  if (i < 0) return true;
  const c = text[i] as string;
  if (".!?:;\n|•*".includes(c)) return true;
  if (c !== "-") return false;
  // A dash opens a list item only at the start of its line: "- Tolerated ...".
  i--;
  while (i >= 0 && (text[i] === " " || text[i] === "\t")) i--;
  return i < 0 || text[i] === "\n";
}

const TITLE_CASE = /^\p{Lu}\p{Ll}+$/u;
const LOWER_CASE = /^\p{Ll}+$/u;

/**
 * An ordinary English word opening a sentence ("Tolerated physical therapy", "Gait steady"), the words after
 * it lower case, and none of them a name the Census lists know ("Rose", "Young" keep the model's decision).
 */
function sentenceOpeningWords(text: string, start: number, end: number): boolean {
  if (!atSentenceStart(text, start)) return false;
  const ws = [...text.slice(start, end).matchAll(WORD)].map((m) => m[0]);
  if (ws.length === 0 || !TITLE_CASE.test(ws[0] as string) || !ws.slice(1).every((w) => LOWER_CASE.test(w)))
    return false;
  const english = englishWords();
  return ws.every((w) => {
    const lower = w.toLowerCase();
    return english.has(lower) && !inNameLists(lower);
  });
}

/** Lower case and no name list knows a word of it: "fever", "pneumonia". */
function lowerCaseNonName(s: string): boolean {
  return !UPPER.test(s) && words(s).every((w) => !inNameLists(w));
}

/**
 * The type a learned span is kept as, after `learnedSpanType`'s shape test, or undefined when the rules'
 * vocabulary says a name or place span is a clinical term or an ordinary lower-case word.
 */
export function keptLearnedSpanType(
  type: PhiType,
  text: string,
  start: number,
  end: number,
): PhiType | undefined {
  const kept = learnedSpanType(type, text, start, end);
  if (kept === undefined || !NAME_OR_PLACE.has(kept)) return kept;
  const s = text.slice(start, end);
  if (lowerCaseNonName(s) || eponymTerm(text, start, end) || sentenceOpeningWords(text, start, end))
    return undefined;
  if (kept !== "NAME" && genericDepartment(s)) return undefined;
  return kept;
}
