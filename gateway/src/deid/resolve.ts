/**
 * Overlap resolution. Candidates from all recognizers may overlap ("Dr. Smith" inside an address, a date inside
 * an identifier). We keep strong evidence first (score >= 0.7), then the higher type priority, then the longest
 * match, then the higher score. A candidate that overlaps an already kept span keeps only its uncovered parts:
 * dropping it whole would leave in the text characters that some recognizer said were PHI (a date's month and
 * day beside a wrong address match, the rest of a device string around a card number).
 */
import type { PhiType } from "../contracts";
import type { Span } from "./span";

/**
 * Validated, self-delimiting formats outrank context-based and dictionary-based evidence. Places outrank
 * names because their patterns need a facility word or a place cue ("St. Luke's Hospital" is not a person).
 */
export const TYPE_PRIORITY: Record<PhiType, number> = {
  EMAIL: 100,
  URL: 95,
  IP: 94,
  SSN: 90,
  FAX: 88,
  PHONE: 87,
  MRN: 86,
  HEALTH_PLAN: 85,
  ACCOUNT: 84,
  LICENSE: 83,
  VEHICLE: 82,
  DEVICE: 81,
  ADDRESS: 75,
  DATE: 70,
  AGE: 68,
  ZIP: 66,
  LOCATION: 62,
  CITY: 61,
  NAME: 60,
  ID: 40,
};

const STRONG = 0.7;
/**
 * The score of a trimmed remainder: below the second pass's CONFIDENT (0.8), since a fragment of a name or an
 * identifier is no reliable string to search for again elsewhere.
 */
export const PARTIAL_SCORE = 0.75;
const ALNUM = /[\p{L}\p{N}]/u;

function rank(a: Span, b: Span): number {
  const strongA = a.score >= STRONG ? 1 : 0;
  const strongB = b.score >= STRONG ? 1 : 0;
  if (strongA !== strongB) return strongB - strongA;
  // A rule's span of another type beats a model span it overlaps ("John Smith" the name over the model's
  // "John" the place); of the same type, the longer wins below, so a model span can extend a rule's match.
  if (a.learned !== b.learned && a.type !== b.type) return a.learned ? 1 : -1;
  const p = TYPE_PRIORITY[b.type] - TYPE_PRIORITY[a.type];
  if (p !== 0) return p;
  const len = b.end - b.start - (a.end - a.start);
  if (len !== 0) return len;
  if (b.score !== a.score) return b.score - a.score;
  return a.start - b.start;
}

/**
 * A card-number-shaped run inside a longer device string (a GS1 UDI's serial, which may pass the Luhn check) is
 * part of the device identifier: the device span is the better description of the whole.
 */
function insideDevice(c: Span, devices: readonly Span[]): boolean {
  if (c.type !== "ACCOUNT") return false;
  return devices.some((d) => d.start <= c.start && d.end >= c.end && d.end - d.start > c.end - c.start);
}

/** The uncovered runs of `c` that hold a letter or digit, as spans of c's type without a date form. */
function remainders(c: Span, text: string, covered: Uint8Array): Span[] {
  const parts: Span[] = [];
  let k = c.start;
  while (k < c.end) {
    while (k < c.end && covered[k] === 1) k++;
    let end = k;
    while (end < c.end && covered[end] !== 1) end++;
    let start = k;
    while (start < end && !ALNUM.test(text.charAt(start))) start++;
    let stop = end;
    while (stop > start && !ALNUM.test(text.charAt(stop - 1))) stop--;
    if (stop > start) {
      const part: Span = { type: c.type, start, end: stop, score: Math.min(c.score, PARTIAL_SCORE) };
      if (c.learned) part.learned = true;
      parts.push(part);
    }
    k = end;
  }
  return parts;
}

/**
 * Returns the kept spans in text order; no character of any candidate is left uncovered. `taken` (optional)
 * marks characters already covered and is updated.
 */
export function resolveOverlaps(candidates: readonly Span[], text: string, taken?: Uint8Array): Span[] {
  const covered = taken ?? new Uint8Array(text.length);
  const kept: Span[] = [];
  const devices = candidates.filter((c) => c.type === "DEVICE");
  const ordered = candidates
    .filter((c) => c.end > c.start && !(devices.length > 0 && insideDevice(c, devices)))
    .sort(rank);
  for (const c of ordered) {
    let free = true;
    for (let k = c.start; k < c.end; k++) {
      if (covered[k] === 1) {
        free = false;
        break;
      }
    }
    if (free) {
      covered.fill(1, c.start, c.end);
      kept.push(c);
      continue;
    }
    for (const part of remainders(c, text, covered)) {
      covered.fill(1, part.start, part.end);
      kept.push(part);
    }
  }
  return kept.sort((a, b) => a.start - b.start);
}
