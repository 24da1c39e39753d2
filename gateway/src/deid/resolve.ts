/**
 * Overlap resolution. Candidates from all recognizers may overlap ("Dr. Smith" inside an address, a date inside
 * an identifier). We keep strong evidence first (score >= 0.7), then the higher type priority, then the longest
 * match, then the higher score; a candidate that overlaps an already kept span is dropped.
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

function rank(a: Span, b: Span): number {
  const strongA = a.score >= STRONG ? 1 : 0;
  const strongB = b.score >= STRONG ? 1 : 0;
  if (strongA !== strongB) return strongB - strongA;
  const p = TYPE_PRIORITY[b.type] - TYPE_PRIORITY[a.type];
  if (p !== 0) return p;
  const len = b.end - b.start - (a.end - a.start);
  if (len !== 0) return len;
  if (b.score !== a.score) return b.score - a.score;
  return a.start - b.start;
}

/** Returns the kept spans in text order. `taken` (optional) marks characters already covered and is updated. */
export function resolveOverlaps(candidates: readonly Span[], textLength: number, taken?: Uint8Array): Span[] {
  const covered = taken ?? new Uint8Array(textLength);
  const kept: Span[] = [];
  const ordered = [...candidates].filter((c) => c.end > c.start).sort(rank);
  for (const c of ordered) {
    let free = true;
    for (let k = c.start; k < c.end; k++) {
      if (covered[k] === 1) {
        free = false;
        break;
      }
    }
    if (!free) continue;
    covered.fill(1, c.start, c.end);
    kept.push(c);
  }
  return kept.sort((a, b) => a.start - b.start);
}
