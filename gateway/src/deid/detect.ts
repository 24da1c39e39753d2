/**
 * The detector: runs every recognizer family once over the original text, resolves overlaps, then a second
 * pass finds every other mention of a confidently found name or identifier, and strict mode sweeps leftover
 * long digit runs. Offsets always index the original text.
 */
import type { PhiType } from "../contracts";
import { insideLookalike, lookalikeRanges } from "./allowlist";
import { detectDates } from "./dates";
import {
  capitalisedWords,
  detectNames,
  extendNameStart,
  namePartsForSecondPass,
  type Token,
  tokenize,
} from "./names";
import { resolveOverlaps } from "./resolve";
import { type Span, span } from "./span";
import { detectStructured } from "./structured";

export interface DetectOptions {
  /** Also report digit runs of 5+ characters that no recognizer explained and that are not look-alikes. */
  strict?: boolean;
  /** Redact every other mention of a confidently found name or identifier (default true). */
  secondPass?: boolean;
  /** Drop spans scored below this (default 0: report everything found). */
  minScore?: number;
}

/** Score from which a finding seeds the second pass. */
const CONFIDENT = 0.8;
/** Upper bound on distinct identifier strings searched in the second pass, to keep it linear in practice. */
const MAX_SECOND_PASS_TERMS = 256;
const IDENTIFIER_TYPES = new Set<PhiType>([
  "SSN",
  "MRN",
  "HEALTH_PLAN",
  "ACCOUNT",
  "LICENSE",
  "VEHICLE",
  "DEVICE",
  "ID",
  "PHONE",
  "FAX",
  "EMAIL",
  "URL",
  "IP",
]);

const STRICT_DIGITS = /(?<!\d)\d{5,}(?!\d)/g;

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && /[\p{L}\p{N}]/u.test(c);
}

function secondPass(text: string, tokens: readonly Token[], kept: Span[], covered: Uint8Array): Span[] {
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

function titleCase(w: string): string {
  return w.charAt(0) + w.slice(1).toLowerCase();
}

export function detect(text: string, options: DetectOptions = {}): Span[] {
  const lookalikes = lookalikeRanges(text);
  const candidates: Span[] = [];
  detectStructured(text, lookalikes, candidates);
  detectDates(text, lookalikes, candidates);
  const tokens = tokenize(text);
  detectNames(text, candidates, tokens);
  // A date, number or dictionary word inside a clinical look-alike ("BP 128/82", "Na 138") is clinical content.
  // Ages are exempt: the age patterns need explicit age wording ("93 years old", "aged 91"), and the duration
  // look-alike ("for 3 years") would otherwise swallow every "NN years old".
  const filtered = candidates.filter(
    (c) =>
      !(
        (c.type === "DATE" || c.type === "ZIP" || c.type === "ID" || (c.type === "NAME" && c.score < 0.9)) &&
        insideLookalike(lookalikes, c.start, c.end)
      ),
  );
  const covered = new Uint8Array(text.length);
  let kept = resolveOverlaps(filtered, text.length, covered);
  if (options.secondPass !== false) {
    const more = secondPass(text, tokens, kept, covered);
    if (more.length > 0) kept = kept.concat(resolveOverlaps(more, text.length, covered));
  }
  if (options.strict) {
    const extra: Span[] = [];
    STRICT_DIGITS.lastIndex = 0;
    for (let m = STRICT_DIGITS.exec(text); m !== null; m = STRICT_DIGITS.exec(text)) {
      const end = m.index + m[0].length;
      if (insideLookalike(lookalikes, m.index, end)) continue;
      let free = true;
      for (let k = m.index; k < end; k++) {
        if (covered[k] === 1) {
          free = false;
          break;
        }
      }
      if (free) extra.push(span("ID", m.index, end, 0.3));
    }
    if (extra.length > 0) kept = kept.concat(resolveOverlaps(extra, text.length, covered));
  }
  const min = options.minScore ?? 0;
  return kept.filter((s) => s.score >= min).sort((a, b) => a.start - b.start);
}
