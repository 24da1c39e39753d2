/**
 * Structured identifiers: contact details, network addresses, record and licence numbers, vehicle and device
 * identifiers, street addresses, ZIP codes, places and ages over 89. Most are one row of the pattern table;
 * validators (SSN ranges, Luhn, IP) and cue words before a match decide or adjust the score.
 */

import { codeRecognizer } from "./codes";
import { contextIdRecognizer } from "./context-ids";
import { windowBefore } from "./document";
import { emailRecognizer } from "./email";
import { CUE_WINDOW, type PatternRule, patternRecognizer } from "./pattern-rule";
import { cityStateZipRecognizer, facilityRecognizer, isPlace } from "./places";
import type { Recognizer } from "./recognizer";
import {
  ADDRESS,
  AGE_PATTERNS,
  CARD,
  CITY_CONTEXT,
  FAX_CUE,
  IPV4,
  IPV4_HINT,
  IPV6,
  IPV6_HINT,
  PHONE_CUE,
  PHONE_INTL,
  PHONE_LOCAL,
  PHONE_NANP,
  PO_BOX,
  SSN,
  SSN_CUE,
  STATE_ZIP,
  TLD_HINT,
  URL_BARE,
  URL_SCHEME,
  ZIP_LABEL,
} from "./structured-patterns";
import { ipValid, luhnValid, ssnValid } from "./validators";

const FAX = { pattern: FAX_CUE, type: "FAX" } as const;
const mayHoldUrl = (text: string): boolean =>
  text.includes("://") || text.includes("www.") || TLD_HINT.test(text);
const mayHoldIpv4 = (text: string): boolean => IPV4_HINT.test(text);
const mayHoldIpv6 = (text: string): boolean => IPV6_HINT.test(text);
/** Ages 90 and over are PHI under Safe Harbor; above 125 the number is not an age. */
const over89 = (value: string): boolean => Number(value) >= 90 && Number(value) <= 125;

export const STRUCTURED_RULES: readonly PatternRule[] = [
  { type: "PHONE", pattern: PHONE_NANP, score: 0.95, cue: [FAX] },
  { type: "PHONE", pattern: PHONE_INTL, score: 0.95, cue: [FAX] },
  // "555-0100" alone is weak: it is also a range or a code unless a phone or fax word comes before it.
  {
    type: "PHONE",
    pattern: PHONE_LOCAL,
    score: 0.6,
    notInLookalike: true,
    cue: [
      { ...FAX, score: 0.85 },
      { pattern: PHONE_CUE, score: 0.85 },
    ],
  },
  { type: "URL", pattern: URL_SCHEME, score: 0.98, prefilter: mayHoldUrl, trimEnd: ".,;:!?" },
  { type: "URL", pattern: URL_BARE, score: 0.85, prefilter: mayHoldUrl, trimEnd: ".,;:!?" },
  { type: "IP", pattern: IPV4, score: 0.95, prefilter: mayHoldIpv4, validate: (v) => ipValid(v) === 4 },
  { type: "IP", pattern: IPV6, score: 0.97, prefilter: mayHoldIpv6, validate: (v) => ipValid(v) === 6 },
  // An SSN outside the issued ranges ("000-12-3456", test numbers) still counts after an SSN label.
  {
    type: "SSN",
    pattern: SSN,
    score: 0.95,
    validate: (_v, m, doc) =>
      ssnValid(m[1] as string, m[3] as string, m[4] as string) ||
      (SSN_CUE.test(windowBefore(doc, m.index, CUE_WINDOW)) ? 0.8 : false),
  },
  { type: "ACCOUNT", pattern: CARD, score: 0.9, validate: (v) => luhnCard(v) },
  { type: "ADDRESS", pattern: ADDRESS, score: 0.9 },
  { type: "ADDRESS", pattern: PO_BOX, score: 0.9 },
  { type: "ZIP", pattern: STATE_ZIP, score: 0.95, group: 1 },
  { type: "ZIP", pattern: ZIP_LABEL, score: 0.95, group: 1 },
  { type: "CITY", pattern: CITY_CONTEXT, score: 0.75, group: 1, validate: isPlace },
  ...AGE_PATTERNS.map(
    (pattern): PatternRule => ({ type: "AGE", pattern, score: 0.95, group: 1, validate: over89 }),
  ),
];

function luhnCard(value: string): boolean {
  const digits = value.replace(/[ -]/g, "");
  return digits.length >= 13 && digits.length <= 19 && luhnValid(digits);
}

/** The table plus the hand-written cases, in run order. */
export const STRUCTURED_RECOGNIZERS: readonly Recognizer[] = [
  contextIdRecognizer,
  patternRecognizer("structured-patterns", STRUCTURED_RULES),
  emailRecognizer,
  codeRecognizer,
  cityStateZipRecognizer,
  facilityRecognizer,
];
