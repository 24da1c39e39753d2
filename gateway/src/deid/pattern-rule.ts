/**
 * The table-driven recognizer: each structured identifier that one regular expression finds is a row of
 * {type, pattern, score, validate?, cue?, prefilter?}, and one loop runs every row. Identifiers that need more
 * than one match-and-check (label-cued IDs, e-mail, label-free codes, "City, ST 12345", facilities) are
 * hand-written recognizers beside the table.
 */
import type { PhiType } from "../contracts";
import { type DeidDocument, inLookalike, windowBefore } from "./document";
import type { Recognizer } from "./recognizer";
import { type Span, span } from "./span";

/** How far before a match cue words are looked for ("fax: 617-555-0100", "SSN 123-45-6789"). */
export const CUE_WINDOW = 24;

export interface Cue {
  /** Tested against the lower-cased CUE_WINDOW characters before the match. */
  pattern: RegExp;
  /** Type and score when this cue is present; each defaults to the rule's. */
  type?: PhiType;
  score?: number;
}

export interface PatternRule {
  type: PhiType;
  /** Global ("g"); add "d" when `group` is set. */
  pattern: RegExp;
  score: number;
  /** Capture group that is the identifier; the whole match when absent. */
  group?: number;
  /** Keeps (true), drops (false) or rescores (a number) a match; `value` is the identifier's text. */
  validate?: (value: string, m: RegExpExecArray, doc: DeidDocument) => boolean | number;
  /** The first cue present decides type and score; none present leaves the rule's. */
  cue?: readonly Cue[];
  /** Cheap whole-text test; when it fails the pattern is not run on this document. */
  prefilter?: (text: string) => boolean;
  /** Drop matches that lie inside a clinical look-alike ("pain 7/10", "Na 138"). */
  notInLookalike?: boolean;
  /** Characters trimmed off the end of a match (sentence punctuation after a URL). */
  trimEnd?: string;
}

function findRule(rule: PatternRule, doc: DeidDocument, out: Span[]): void {
  const { text } = doc;
  const re = rule.pattern;
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    let start = m.index;
    let end = start + m[0].length;
    if (rule.group !== undefined) {
      const where = m.indices?.[rule.group];
      if (!where) continue;
      [start, end] = where;
    }
    if (rule.trimEnd !== undefined)
      while (end > start && rule.trimEnd.includes(text[end - 1] as string)) end--;
    if (rule.notInLookalike && inLookalike(doc, start, end)) continue;
    let type = rule.type;
    let score = rule.score;
    if (rule.validate) {
      const verdict = rule.validate(text.slice(start, end), m, doc);
      if (verdict === false) continue;
      if (typeof verdict === "number") score = verdict;
    }
    if (rule.cue) {
      const before = windowBefore(doc, m.index, CUE_WINDOW);
      for (const cue of rule.cue) {
        if (!cue.pattern.test(before)) continue;
        type = cue.type ?? type;
        score = cue.score ?? score;
        break;
      }
    }
    out.push(span(type, start, end, score));
  }
}

/** One recognizer running a table of rules in order over the document. */
export function patternRecognizer(name: string, rules: readonly PatternRule[]): Recognizer {
  return {
    name,
    find(doc) {
      const out: Span[] = [];
      // Adjacent rules sharing a prefilter (both URL patterns) test it once per document.
      let lastFilter: PatternRule["prefilter"];
      let lastPassed = true;
      for (const rule of rules) {
        if (rule.prefilter) {
          if (rule.prefilter !== lastFilter) {
            lastFilter = rule.prefilter;
            lastPassed = lastFilter(doc.text);
          }
          if (!lastPassed) continue;
        }
        findRule(rule, doc, out);
      }
      return out;
    },
  };
}
