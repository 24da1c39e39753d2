/**
 * The name passes, tried in order at each token. A claiming pass returns the index after the name it reported
 * (the walk resumes there) or -1; the two trailing passes only add evidence and never move the walk.
 */
import * as lexicon from "./lexicon";
import type { NameWalk } from "./name-walk";
import * as walk from "./name-walk";
import type { Token } from "./tokens";

// Local bindings: module-namespace property reads (getters under tsx) on every token add up in the name walk.
const {
  CLINICIAN_SUFFIXES,
  DOTTED_ONLY_TITLES,
  EPONYMS,
  MONTHS,
  NAME_CUE_WORDS,
  RELATION_WORDS,
  TITLES,
  US_STATE_CODES,
} = lexicon;
const { isFirst, isLast } = walk;

export type ClaimingPass = (w: NameWalk, t: Token, i: number) => number;
export type EvidencePass = (w: NameWalk, t: Token, i: number) => void;

/** Title cue: "Dr. Smith", "Mrs. O'Brien", "Sister Mary Jo". The title itself is not part of the span. */
export function afterTitle(w: NameWalk, t: Token, i: number): number {
  if (!t.cap || !TITLES.has(t.key)) return -1;
  const dotted = w.at(i + 1)?.text === ".";
  if (DOTTED_ONLY_TITLES.has(t.key) && !dotted) return -1;
  const s = i + (dotted ? 2 : 1);
  const e = s < w.n ? w.collect(s, true) : -1;
  if (e < s) return -1;
  w.emit(s, e, 0.95);
  return e + 1;
}

/** Words between a label and the name: "Patient name: ", "son, named ". */
function skipLabelFiller(w: NameWalk, from: number): number {
  let s = from;
  while (s < w.n) {
    const x = w.at(s) as Token;
    if (x.text !== ":" && x.text !== "," && x.key !== "name" && x.key !== "named" && x.key !== "is") break;
    s++;
  }
  return s;
}

/** "Name: Okafor, Chidi": a label followed by "Last, First" on its own; returns the new last index. */
function lastCommaFirstAfterLabel(w: NameWalk, e: number): number {
  const after = w.at(e + 3);
  const fieldBreak =
    after !== undefined && /\s{2,}|\t/.test(w.text.slice((w.tokens[e + 2] as Token).end, after.start));
  if (after !== undefined && !after.newline && !fieldBreak && w.namePart(after) && !after.initial) return e;
  const init = w.initialLen(e + 3);
  return e + 2 + init;
}

/** Field labels and relatives: "Patient: Maria Lopez", "his son Kwabena", "seen by Okafor". */
export function afterLabel(w: NameWalk, t: Token, i: number): number {
  if (!NAME_CUE_WORDS.has(t.key) && !RELATION_WORDS.has(t.key)) return -1;
  const s = skipLabelFiller(w, i + 1);
  const cand = w.at(s);
  if (cand === undefined) return -1;
  const weakCue = t.key === "by" || t.key === "with" || t.key === "per";
  const initialFirst = w.initialLen(s) > 0 && w.namePart(w.at(s + w.initialLen(s)));
  // After a strong cue, a given name that is also a word counts when a surname follows ("Patient: April Jones").
  const next = w.at(s + 1);
  const wordFirst =
    !weakCue &&
    isFirst(cand) &&
    !TITLES.has(cand.key) &&
    (w.namePart(next) || (next !== undefined && isLast(next)));
  // Without a colon a capitalised label may be ordinary text ("Contact Guard Assist"): then the name must
  // start with a listed given name or an initial, unless the cue is a relative ("his son Kwabena").
  let colon = false;
  for (let k = i + 1; k < s; k++) if (w.at(k)?.text === ":") colon = true;
  const plainEnough = colon || RELATION_WORDS.has(t.key) || !t.cap || initialFirst || isFirst(cand);
  if (!plainEnough || !(w.namePart(cand) || initialFirst || wordFirst)) return -1;
  if (weakCue && !isFirst(cand) && !isLast(cand)) return -1;
  let e = w.collect(s, wordFirst && !w.namePart(cand));
  if (!weakCue && e === s && w.at(e + 1)?.text === "," && w.namePart(w.at(e + 2))) {
    e = lastCommaFirstAfterLabel(w, e);
  }
  if (e < s || w.eponymAfter(e)) return -1;
  w.emit(s, e, weakCue ? 0.8 : 0.9);
  return e + 1;
}

/** "Last, First [M.]": "Smith, John", "Nguyen, Thi B.". */
export function lastCommaFirst(w: NameWalk, t: Token, i: number): number {
  if (!t.cap) return -1;
  const second = w.at(i + 2);
  const { first, last } = w.dicts;
  if (
    w.at(i + 1)?.text !== "," ||
    !second ||
    second.newline ||
    !(!t.stop || (last.has(t.key) && !MONTHS.has(t.key) && !TITLES.has(t.key))) ||
    // The given name may be a word ("Crain, Hazel") when the surname before the comma is a clear one.
    !(!second.stop || (!t.stop && last.has(t.key) && !MONTHS.has(second.key) && !TITLES.has(second.key))) ||
    !first.has(second.key) ||
    !second.cap ||
    US_STATE_CODES.has(second.text) ||
    !(last.has(t.key) || !first.has(t.key))
  )
    return -1;
  const e = i + 2 + w.initialLen(i + 3);
  w.emit(i, e, 0.85);
  return e + 1;
}

/** "SMITH, JOHN": both parts listed, neither ordinary vocabulary. */
export function upperLastCommaFirst(w: NameWalk, t: Token, i: number): number {
  if (!t.upper || w.at(i + 1)?.text !== ",") return -1;
  const second = w.at(i + 2);
  if (!second?.upper || !w.dicts.last.has(t.key) || !w.dicts.first.has(second.key)) return -1;
  if (t.stop || second.stop) return -1;
  w.emit(i, i + 2, 0.85);
  return i + 3;
}

/** Initials then surname: "J. Smith", "J.R. Okafor". */
export function initialsThenSurname(w: NameWalk, _t: Token, i: number): number {
  const init = w.initialLen(i);
  if (init === 0) return -1;
  const s = i + init + w.initialLen(i + init);
  const sur = w.at(s);
  if (!sur || !w.namePart(sur) || !isLast(sur) || w.eponymAfter(s)) return -1;
  const e = w.collect(s, false);
  w.emit(i, e, 0.8);
  return e + 1;
}

/** Dictionary: a first name, optional initial, then surname-like words ("Maria Lopez", "John Q. Public"). */
export function firstNameThenSurname(w: NameWalk, t: Token, i: number): number {
  if (!t.cap || !w.dicts.first.has(t.key) || EPONYMS.has(t.key) || MONTHS.has(t.key)) return -1;
  const next = i + 1 + w.initialLen(i + 1);
  const nt = w.at(next);
  const stop = t.stop;
  // After a clear first name, a listed surname counts even if it is also a word ("Gia Head", "Ann Rice").
  const listedSurname =
    nt !== undefined &&
    !stop &&
    !nt.newline &&
    isLast(nt) &&
    !MONTHS.has(nt.key) &&
    !TITLES.has(nt.key) &&
    !w.eponymAfter(next);
  if (nt && (w.namePart(nt) || listedSurname) && (!stop || isLast(nt))) {
    const e = w.collect(next, listedSurname && !w.namePart(nt));
    if (e >= next && !w.eponymAfter(e)) {
      w.emit(i, e, stop ? 0.75 : 0.85);
      return e + 1;
    }
  }
  if (stop || w.eponymAfter(i)) return -1;
  w.emit(i, i, 0.6);
  return i + 1;
}

/** Right before a credential, a listed name counts even if it is also a word ("Grace, RN"). */
function nameBeforeCredential(w: NameWalk, x: Token | undefined): boolean {
  return (
    w.namePart(x) ||
    (x ? x.cap && (isFirst(x) || isLast(x)) && !MONTHS.has(x.key) && !TITLES.has(x.key) : false)
  );
}

/** Credentials after a name: "Jane Doe, MD", "Kim RN". */
export function beforeCredential(w: NameWalk, t: Token, i: number): void {
  if (!CLINICIAN_SUFFIXES.has(t.key) || t.text !== t.text.toUpperCase() || i === 0) return;
  let e = i - 1;
  if (w.at(e)?.text === ",") e--;
  let s = e;
  while (
    s > 0 &&
    s > e - 3 &&
    !w.at(s)?.newline &&
    (nameBeforeCredential(w, w.at(s - 1)) || w.at(s - 1)?.initial || w.at(s - 1)?.text === ".")
  )
    s--;
  while (s <= e && !nameBeforeCredential(w, w.at(s)) && !w.at(s)?.initial) s++;
  // Overlap resolution prefers this strong span over a weaker dictionary guess for part of the name.
  if (s <= e && nameBeforeCredential(w, w.at(e))) w.emit(s, e, 0.9);
}

/** A lone surname mid-sentence is weak evidence ("spoke with Okafor"); never at a sentence start. */
export function loneSurname(w: NameWalk, t: Token, i: number): void {
  if (!t.cap || !isLast(t) || t.stop || t.key.length <= 2) return;
  if (w.sentenceStart(i) || w.eponymAfter(i)) return;
  const prev = w.at(i - 1);
  if (prev !== undefined && EPONYMS.has(prev.key)) return;
  // "Stage 2", "Green Bay Packers": a listed surname followed by a number or by another capitalised word
  // that no rule explained is part of something else.
  const following = w.at(i + 1);
  if (following !== undefined && !following.newline && (/^\d/.test(following.text) || following.cap)) return;
  // An unlisted capitalised word or an initial right before it is most likely the given name ("Kofi Konecny").
  const prevInitial = prev?.text === "." && w.at(i - 2)?.initial === true && !w.at(i - 2)?.newline;
  if (prevInitial) w.emit(i - 2, i, 0.6);
  else if (prev && w.namePart(prev) && !t.newline && !w.sentenceStart(i - 1)) w.emit(i - 1, i, 0.6);
  else w.emit(i, i, 0.5);
}

export const CLAIMING_PASSES: readonly ClaimingPass[] = [
  afterTitle,
  afterLabel,
  lastCommaFirst,
  upperLastCommaFirst,
  initialsThenSurname,
  firstNameThenSurname,
];
export const EVIDENCE_PASSES: readonly EvidencePass[] = [beforeCredential, loneSurname];
