/**
 * Clinical look-alikes: numbers and codes that resemble identifiers or dates but carry the clinical meaning
 * the downstream model needs (BP 128/82, pain 7/10, strength 5/5, Percocet 5/325, L4-L5, E11.9, 500 mg).
 * The detectors consult these ranges so the look-alikes survive, and strict mode never touches them.
 * Every pattern is linear: bounded repetitions, no nested quantifiers over overlapping classes.
 */

const UNIT =
  "(?:mg\\/dL|mg\\/kg|mcg\\/kg\\/min|mcg\\/min|mg\\/hr|mL\\/hr|mL\\/min|g\\/dL|mmol\\/L|mEq\\/L|ng\\/mL|pg\\/mL|" +
  "IU\\/L|U\\/L|kg\\/m2|cells\\/uL|\\/uL|\\/mm3|mmHg|mm Hg|mg|mcg|µg|ug|kg|g|lbs?|oz|mL|ml|cc|L|units?|U|IU|" +
  "mEq|mmol|meq|cm|mm|in|ft|bpm|breaths\\/min|%|F|C|°F|°C|°|hours?|hrs?|h|minutes?|mins?|days?|weeks?|wks?|" +
  "months?|mos?|years?|yrs?|puffs?|tabs?|tablets?|capsules?|caps?|drops?|sprays?|times|x|" +
  // Units written out, as dictated notes have them: "walked 150 feet", "saturating 92 percent".
  "percent|per cent|feet|foot|inch(?:es)?|pounds?|degrees?|liters?|litres?|milligrams?|kilograms?)";

/** Each source is one look-alike family; all are unioned into a single sticky-free global scan. */
const LOOKALIKE_SOURCES = [
  // Blood pressure and other slash vitals, with or without the label: "BP 128/82", "120/80 mmHg".
  "\\b(?:BP|B\\/P|[Bb]lood [Pp]ressure|SBP\\/DBP)[\\s:]{0,4}(?:of |was |is ){0,1}\\d{2,3}\\/\\d{2,3}\\b",
  "\\b\\d{2,3}\\/\\d{2,3}\\s{0,2}(?:mm ?Hg)",
  // Scales: "pain 7/10", "7/10 pain", "strength 5/5", "5/5 strength", "Apgar 8/9", "GCS 15".
  "\\b(?:[Pp]ain|[Ss]cale|[Ss]everity|[Rr]ated|[Ss]core|[Ii]ntensity)(?: (?:score|scale|level|is|was|of|at|rated)){0,2}[\\s:]{1,3}\\d{1,2}\\s{0,1}\\/\\s{0,1}10\\b",
  "\\b\\d{1,2}\\/10 (?:pain|on the pain scale|severity)",
  "\\b(?:[Ss]trength|[Mm]otor|[Pp]ower|[Gg]rip|[Rr]eflexes)[\\s:]{1,3}(?:is |was ){0,1}[0-5][+-]{0,1}\\/5\\b",
  "\\b[0-5][+-]{0,1}\\/5 (?:strength|motor|power|grip|in all|throughout|bilaterally|in (?:the )?(?:upper|lower|bilateral))",
  "\\b[Aa]pgars?(?: scores?)?(?: of| were| was){0,1}[\\s:]{1,3}\\d{1,2}(?:\\/| and )\\d{1,2}(?:\\/\\d{1,2}){0,1}\\b",
  "\\b(?:GCS|NIHSS|MMSE|MoCA|PHQ-9|GAD-7|CIWA|COWS|ASA|NYHA|ECOG|Karnofsky|Braden|Morse)[\\s:]{1,3}(?:class |score |of ){0,1}[0-9IV]{1,3}\\b",
  // Combination drug strengths: "Percocet 5/325", "Norco 10/325 mg", "Augmentin 875/125".
  "\\b(?:[Pp]ercocet|[Nn]orco|[Vv]icodin|[Ll]ortab|[Aa]ugmentin|[Bb]actrim(?: DS)?|[Zz]osyn|[Ss]inemet|[Aa]dvair|[Ss]ymbicort|[Dd]uoneb|[Tt]ylenol(?: #\\d)?|[Oo]xycodone\\/acetaminophen|[Hh]ydrocodone\\/acetaminophen|[Cc]arbidopa\\/levodopa)[\\s:]{1,3}\\d{1,4}(?:\\.\\d{1,2}){0,1}\\/\\d{1,4}(?:\\.\\d{1,2}){0,1}\\b",
  "\\b\\d{1,4}(?:\\.\\d{1,3}){0,1}\\/\\d{1,4}(?:\\.\\d{1,3}){0,1}\\s{0,2}(?:mg|mcg)\\b",
  // Vertebral levels and ranges: "L4-L5", "C5-6", "T12-L1", "S1".
  "\\b[CTLS]\\d{1,2}(?:\\s{0,1}[-–]\\s{0,1}[CTLS]{0,1}\\d{1,2}){0,1}\\b",
  // ICD-10-CM codes with a decimal part ("E11.9", "I10" alone is ambiguous and left to the ID context rules).
  "\\b[A-TV-Z]\\d{2}\\.[0-9A-Z]{1,4}\\b",
  // CPT/LOINC-like codes announced as codes.
  "\\b(?:ICD-?10(?:-CM)?|ICD-?9|CPT|LOINC|SNOMED)(?: code)?[\\s:#]{1,3}[A-Z0-9][A-Z0-9.-]{1,9}\\b",
  // Doses, lab values and measurements: "500 mg", "4.2 mmol/L", "EF 55%", "98.6 F".
  `\\b\\d{1,6}(?:[.,]\\d{1,3}){0,1}(?:\\s{0,2}[-–]\\s{0,2}\\d{1,6}(?:[.,]\\d{1,3}){0,1}){0,1}\\s{0,2}${UNIT}(?![A-Za-z])`,
  // Lab results written "Na 138", "K 4.2", "Cr 1.1", "WBC 12.3", "platelets 250000".
  "\\b(?:Na|K|Cl|CO2|BUN|Cr|Glu|Ca|Mg|Phos|WBC|Hgb|Hb|Hct|Plt|PLT|[Pp]latelets|INR|PTT|TSH|A1c|HbA1c|LDL|HDL|AST|ALT|ALP|Tbili|Lipase|Troponin|BNP|CRP|ESR|Lactate|pH|pCO2|pO2|HCO3|O2 sat|SpO2|Sat|HR|RR|Temp|T|P|R|RR|EF|LVEF)[\\s:]{1,3}(?:of |was |is ){0,1}[<>]{0,1}\\d{1,6}(?:\\.\\d{1,3}){0,1}\\b",
  // Ratios and titers: "1:100", "ANA 1:160".
  "\\b1:\\d{1,5}\\b",
];

const LOOKALIKE = new RegExp(LOOKALIKE_SOURCES.join("|"), "g");

/** Sorted, non-overlapping [start, end) ranges of clinical look-alikes in text. */
export function lookalikeRanges(text: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  LOOKALIKE.lastIndex = 0;
  for (let m = LOOKALIKE.exec(text); m !== null; m = LOOKALIKE.exec(text)) {
    if (m[0].length === 0) {
      LOOKALIKE.lastIndex++;
      continue;
    }
    const last = ranges[ranges.length - 1];
    const end = m.index + m[0].length;
    if (last && m.index <= last[1]) last[1] = Math.max(last[1], end);
    else ranges.push([m.index, end]);
  }
  return ranges;
}

/** True when [start, end) lies entirely inside one look-alike range (binary search; ranges are sorted). */
export function insideLookalike(
  ranges: ReadonlyArray<[number, number]>,
  start: number,
  end: number,
): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = ranges[mid] as [number, number];
    if (r[1] <= start) lo = mid + 1;
    else if (r[0] > start) hi = mid - 1;
    else return end <= r[1];
  }
  return false;
}

/**
 * A bare "n/d" is a score or ratio rather than a month/day when its denominator is a scale maximum and a
 * scale word sits right next to it ("pain 3/10", "4/5 strength", "Apgars 8/9"), or when it follows a blood
 * pressure or a combination drug. The window is short and fixed, so the cost per candidate is constant.
 */
const PAIN_CUE = /\b(?:pain|scale|score|scores|rated|rates|severity|intensity|level|vas|nrs)\b/;
const STRENGTH_CUE =
  /\b(?:strength|motor|power|grip|reflex|reflexes|flexion|extension|muscle|abduction|adduction|extremity|extremities|bilaterally|throughout|dorsiflexion|plantarflexion)\b/;
const OTHER_CUE =
  /\b(?:apgars?|bp|b\/p|blood pressure|mmhg|ratio|percocet|norco|vicodin|tabs?|tablets?|gcs|fio2|peep)\b/;

export function nearScaleCue(text: string, start: number, end: number): boolean {
  // The cue must be in the same clause: cut the windows at sentence and line ends.
  const before = text
    .slice(Math.max(0, start - 24), start)
    .toLowerCase()
    .replace(/^[\s\S]*[.;\n]\s/, "");
  const after = text
    .slice(end, Math.min(text.length, end + 24))
    .toLowerCase()
    .replace(/[.;\n][\s\S]*$/, "");
  const slash = text.indexOf("/", start);
  const denominator = slash > start && slash < end ? text.slice(slash + 1, end) : "";
  if (OTHER_CUE.test(before) || OTHER_CUE.test(after)) return true;
  if (denominator === "10" && (PAIN_CUE.test(before) || PAIN_CUE.test(after))) return true;
  if (denominator === "5" && (STRENGTH_CUE.test(before) || STRENGTH_CUE.test(after))) return true;
  return false;
}
