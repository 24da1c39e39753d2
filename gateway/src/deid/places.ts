/**
 * Hand-written place recognizers beside the pattern table: "City, ST 12345" yields two spans from one match,
 * and a facility name needs its words checked against generic department words.
 */
import { GENERIC_PLACE_WORDS, NOT_NAMES, US_STATE_NAMES } from "./lexicon";
import type { Recognizer } from "./recognizer";
import { type Span, span } from "./span";
import { CITY_STATE_ZIP, CREDENTIAL_NOT_STATE, FACILITY } from "./structured-patterns";

/** Words that start a capitalised phrase after "in"/"from" without naming a place ("in March", "in The"). */
const NOT_PLACE_START = new Set(
  "the a an his her their our this that these those my your its january february march april may june july august september october november december monday tuesday wednesday thursday friday saturday sunday".split(
    " ",
  ),
);

/** A capitalised phrase that names a place smaller than a state, not a month, article or ordinary word. */
export function isPlace(words: string): boolean {
  const first = words.split(/[ -]/)[0]?.toLowerCase() ?? "";
  return (
    !NOT_PLACE_START.has(first) &&
    !GENERIC_PLACE_WORDS.has(first) &&
    !(NOT_NAMES.has(first) && !words.includes(" ")) &&
    !US_STATE_NAMES.has(words.toLowerCase())
  );
}

export const cityStateZipRecognizer: Recognizer = {
  name: "city-state-zip",
  find({ text }) {
    const out: Span[] = [];
    CITY_STATE_ZIP.lastIndex = 0;
    for (let m = CITY_STATE_ZIP.exec(text); m !== null; m = CITY_STATE_ZIP.exec(text)) {
      const city = m.indices?.[1];
      const zip = m.indices?.[2];
      const credential = CREDENTIAL_NOT_STATE.test(m[0]);
      if (city && isPlace(m[1] as string) && (zip || !credential))
        out.push(span("CITY", city[0], city[1], 0.85));
      if (zip) out.push(span("ZIP", zip[0], zip[1], 0.95));
    }
    return out;
  },
};

export const facilityRecognizer: Recognizer = {
  name: "facility",
  find({ text }) {
    const out: Span[] = [];
    FACILITY.lastIndex = 0;
    for (let m = FACILITY.exec(text); m !== null; m = FACILITY.exec(text)) {
      const words = (m[1] as string).split(/\s/).filter((w) => /^[A-Z]/.test(w));
      // "Cardiology Clinic", "The Hospital": generic departments and articles are not a named place.
      if (words.every((w) => GENERIC_PLACE_WORDS.has(w.toLowerCase().replace(/'s$/, "")))) continue;
      let start = m.index;
      const first = words[0]?.toLowerCase() ?? "";
      if (first === "the") start += 4;
      out.push(span("LOCATION", start, m.index + m[0].length, 0.8));
    }
    return out;
  },
};
