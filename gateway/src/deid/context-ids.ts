/**
 * Label-cued identifiers: "MRN 00123456", "Policy #: BCBS XZ99812", "DL no. S123-4567". One alternation of
 * context labels, one capture group per type, then the identifier; the label decides the type.
 * Hand-written beside the pattern table because a match resumes right after its identifier.
 */
import type { PhiType } from "../contracts";
import { inLookalike } from "./document";
import type { Recognizer } from "./recognizer";
import { type Span, span } from "./span";

/** "medical record" -> "[Mm]edical [Rr]ecord": labels match capitalised or not, abbreviations stay exact. */
function flex(words: string): string {
  return words.replace(/\b([a-z])/g, (c) => `[${c.toUpperCase()}${c}]`);
}

const NO = "(?: ?(?:number|num\\.?|no\\.?|#|ID|id))";

/** Context labels per identifier type. Order matters only for readability; each label has its own group. */
const CONTEXT_LABELS: Array<[PhiType, string]> = [
  ["SSN", `SSN|SS#|${flex("social security")}${NO}?`],
  [
    "MRN",
    `MRN|MR#|MR No\\.?|${flex("medical record")}${NO}?|${flex("med rec")}${NO}?|${flex("chart")}${NO}|` +
      `${flex("hospital")}${NO}|${flex("unit")} ?(?:no\\.?|number)|${flex("patient")} ?(?:ID|number|no\\.?|#)`,
  ],
  [
    "HEALTH_PLAN",
    `${flex("health plan")}${NO}?|${flex("insurance")}${NO}?|${flex("member")}${NO}|${flex("policy")}${NO}?|` +
      `${flex("subscriber")}${NO}?|Medicaid${NO}?|Medicare${NO}?|${flex("group")}${NO}|` +
      `${flex("beneficiary")}${NO}?|MBI|${flex("plan")}${NO}`,
  ],
  [
    "ACCOUNT",
    `${flex("account")}${NO}?|${flex("acct")}\\.?${NO}?|${flex("billing")}${NO}|${flex("invoice")}${NO}?|` +
      `${flex("encounter")}${NO}|${flex("visit")}${NO}|FIN|${flex("claim")}${NO}?|${flex("card")}${NO}`,
  ],
  [
    "LICENSE",
    `${flex("driver")}(?:'?s)? ${flex("licen")}[cs]e${NO}?|${flex("drivers licen")}[cs]e${NO}?|DL${NO}?|` +
      `${flex("licen")}[cs]e${NO}|${flex("certificate")}${NO}?|${flex("cert")}\\.?${NO}|DEA${NO}?|NPI${NO}?|` +
      `${flex("board certification")}${NO}?|${flex("state licen")}[cs]e${NO}?|${flex("medical licen")}[cs]e${NO}?`,
  ],
  [
    "VEHICLE",
    `VIN|${flex("vehicle identification")}${NO}?|${flex("licen")}[cs]e ${flex("plate")}${NO}?|` +
      `${flex("plate")}${NO}?|${flex("tag")}${NO}`,
  ],
  [
    "DEVICE",
    `${flex("serial")}${NO}?|S\\/N|SN|${flex("device")} ?(?:ID|identifier|serial|number|#)|UDI|` +
      `${flex("implant")} ?(?:ID|serial|number|#)|${flex("model")}\\/${flex("serial")}|${flex("lot")}${NO}|IMEI`,
  ],
  [
    "ID",
    `ID${NO}?|I\\.D\\.|${flex("identifier")}|${flex("employee")}${NO}|${flex("reference")}${NO}?|` +
      `${flex("ref")}\\.?${NO}|${flex("case")}${NO}|${flex("accession")}${NO}?|${flex("specimen")}${NO}|` +
      `${flex("study")} ID|${flex("badge")}${NO}?|${flex("passport")}${NO}?|${flex("requisition")}${NO}?|` +
      `${flex("order")}${NO}|${flex("ticket")}${NO}?|${flex("confirmation")}${NO}?`,
  ],
];

const CONTEXT_TYPES = CONTEXT_LABELS.map(([type]) => type);
const CONTEXT_ID = new RegExp(
  `\\b(?:${CONTEXT_LABELS.map(([, l]) => `(${l})`).join("|")})(?![A-Za-z])` +
    // separator (a pipe too: a table row "| Vehicle plate | 123-ABC |" puts the label in the cell before),
    // optional "is/was", optional issuer word ("BCBS", "Aetna"), then the identifier itself
    "[\\s:#.=|-]{0,5}(?:(?:is|was|of)\\s{1,2})?(?:[A-Z][A-Za-z&]{1,15}\\s{1,2}){0,2}" +
    "([A-Z0-9][A-Za-z0-9-]{1,24}(?: (?=[A-Z0-9]{0,7}\\d)[A-Z0-9]{2,8})?)(?![A-Za-z0-9])",
  "dg",
);

export const contextIdRecognizer: Recognizer = {
  name: "context-ids",
  find(doc) {
    const { text } = doc;
    const out: Span[] = [];
    const idGroup = CONTEXT_TYPES.length + 1;
    CONTEXT_ID.lastIndex = 0;
    for (let m = CONTEXT_ID.exec(text); m !== null; m = CONTEXT_ID.exec(text)) {
      const value = m[idGroup] as string;
      const where = m.indices?.[idGroup];
      if (!where || !/\d/.test(value) || value.replace(/-/g, "").length < 3) continue;
      let type: PhiType = "ID";
      for (let g = 1; g <= CONTEXT_TYPES.length; g++) {
        if (m[g] !== undefined) {
          type = CONTEXT_TYPES[g - 1] as PhiType;
          break;
        }
      }
      if (inLookalike(doc, where[0], where[1])) continue;
      out.push(span(type, where[0], where[1], 0.9));
      // Let the next label start right after this one's identifier, not after a swallowed neighbour label.
      CONTEXT_ID.lastIndex = where[1];
    }
    return out;
  },
};
