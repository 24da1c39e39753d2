/**
 * Recognizers for structured identifiers: contact details, network addresses, record and licence numbers,
 * vehicle and device identifiers, street addresses, ZIP codes, ages over 89 and places.
 * One precompiled global regex per family; validators (SSN ranges, Luhn, DEA, VIN, IP) raise or lower the score.
 * Every pattern uses bounded repetitions and lookbehinds that only let a match start at a token boundary,
 * so a 100k-character adversarial input costs a bounded amount of work per character.
 */
import type { PhiType } from "../contracts";
import { insideLookalike } from "./allowlist";
import { GENERIC_PLACE_WORDS, NOT_NAMES, US_STATE_CODES, US_STATE_NAMES } from "./lexicon";
import { type Span, span } from "./span";
import { deaValid, ipValid, luhnValid, npiValid, ssnValid, vinCheckDigitValid } from "./validators";

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
    `${flex("driver")}'?s ${flex("licen")}[cs]e${NO}?|${flex("drivers licen")}[cs]e${NO}?|DL${NO}?|` +
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
    // separator, optional "is/was", optional issuer word ("BCBS", "Aetna"), then the identifier itself
    "[\\s:#.=-]{0,5}(?:(?:is|was|of)\\s{1,2})?(?:[A-Z][A-Za-z&]{1,15}\\s{1,2}){0,2}" +
    "([A-Z0-9][A-Za-z0-9-]{1,24}(?: (?=[A-Z0-9]{0,7}\\d)[A-Z0-9]{2,8})?)(?![A-Za-z0-9])",
  "dg",
);

const PHONE_NANP =
  /(?<![\w+-])(?:\+?1[\s.-]{0,2})?(?:\(\d{3}\)\s{0,2}|\d{3}[\s.-]{1,2})\d{3}[\s.-]{1,2}\d{4}(?:\s{0,2}(?:x|ext\.?|extension)\s{0,2}\d{1,6})?(?![\w-])/g;
const PHONE_INTL = /(?<![\w+])\+[2-9]\d{0,2}(?:[\s.-]{0,2}\d{1,4}){2,5}(?![\w-])/g;
const PHONE_LOCAL = /(?<![\w./-])\d{3}-\d{4}(?![\w-]|\.\d)/g;
const PHONE_CUE =
  /\b(?:phone|ph|tel|telephone|cell|mobile|home|work|pager|beeper|call|called|contact|reached|number|#)\b/;
const FAX_CUE = /\bfax\b|\bfacsimile\b/;

const EMAIL_DOMAIN = /[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}/y;

/** A character of an e-mail local part: letters, digits and . _ % + - */
function isLocalChar(c: number): boolean {
  return (
    (c >= 48 && c <= 57) ||
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    c === 46 ||
    c === 95 ||
    c === 37 ||
    c === 43 ||
    c === 45
  );
}
const URL_SCHEME = /(?<![\w@])(?:https?:\/\/|ftp:\/\/|www\.)[^\s<>"'()[\]{}]{1,2000}/g;
const URL_BARE =
  /(?<![\w.@/-])(?:[A-Za-z0-9-]{1,63}\.){1,5}(?:com|org|net|edu|gov|io|health|info|us|biz|me)(?![\w-])(?:\/[^\s<>"'()[\]{}]{0,500})?/g;

const IPV4 = /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d]|\.\d)/g;
const IPV6 = /(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![\w:])/g;

const TLD_HINT = /\.(?:com|org|net|edu|gov|io|health|info|us|biz|me)(?![\w-])/;
const IPV4_HINT = /\d\.\d{1,3}\.\d{1,3}\.\d/;
const IPV6_HINT = /::|[0-9A-Fa-f]:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]/;

const SSN = /(?<![\d-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\d-])/g;

/** One scan finds every label-free code candidate; its length says which validator applies. */
const CODE_RUN = /\b[A-Z0-9]{9,17}\b/g;
const DEA = /^[A-Z][A-Z9]\d{7}$/;
const NPI = /^[12]\d{9}$/;
const VIN = /^[A-HJ-NPR-Z0-9]{17}$/;
const MBI =
  /^[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d[AC-HJKMNP-RT-Y]{2}\d{2}$/;
const CARD = /(?<![\d-])(?:\d{4}[ -]?){3}\d{1,7}(?![\d-])/g;

const STREET_SUFFIX =
  "(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Way|Terrace|Ter|" +
  "Parkway|Pkwy|Circle|Cir|Highway|Hwy|Square|Sq|Trail|Trl|Alley|Row|Plaza|Loop|Path|Pike|Crossing|Ridge|Run|Walk)";
const ADDRESS = new RegExp(
  "(?<![\\w.-])\\d{1,6}[A-Z]?\\s{1,2}(?:(?:[NSEW]\\.?|North|South|East|West)\\s{1,2})?" +
    "(?:(?:[A-Z][a-z]{1,20}|[A-Z]{2,12}|\\d{1,3}(?:st|nd|rd|th))\\.?\\s{1,2}){1,4}" +
    `${STREET_SUFFIX}\\b\\.?` +
    "(?:,?\\s{1,2}(?:Apt|Apartment|Suite|Ste|Unit|Room|Rm|Floor|Fl|#)\\.?\\s{0,2}#?[A-Za-z0-9-]{1,8}(?![\\w-]))?",
  "g",
);
const PO_BOX = /\b(?:P\.?\s?O\.?\s{0,2}Box|Post Office Box)\s{1,2}\d{1,6}\b/g;

const STATE_NAME_ALT = [...US_STATE_NAMES]
  .map((s) => s.replace(/\b[a-z]/g, (c) => c.toUpperCase()))
  .join("|")
  .concat("|New Hampshire|New Jersey|New Mexico|New York|North Carolina|North Dakota|Rhode Island|")
  .concat("South Carolina|South Dakota|West Virginia|District of Columbia");
const STATE_ALT = `(?:${[...US_STATE_CODES].join("|")}|${STATE_NAME_ALT})`;
/** "Boston, MA 02115" -> CITY "Boston" and ZIP "02115"; the state itself is allowed by Safe Harbor. */
const CITY_STATE_ZIP = new RegExp(
  `(?<![\\w])((?:[A-Z][a-z]{1,20}|St\\.|Mt\\.|Ft\\.)(?:[ -](?:[A-Z][a-z]{1,20})){0,2}),\\s{1,2}${STATE_ALT}\\.?` +
    "(?:,?\\s{1,2}(\\d{5}(?:-\\d{4})?))?(?![\\w-])",
  "dg",
);
const STATE_ZIP = new RegExp(`\\b${STATE_ALT}\\.?,?\\s{1,2}(\\d{5}(?:-\\d{4})?)(?![\\w-])`, "dg");
const ZIP_LABEL = /\b(?:ZIP|Zip|zip)(?: ?[Cc]ode)?[\s:#]{0,3}(\d{5}(?:-\d{4})?)(?![\w-])/dg;

/** "lives in Springfield", "moved to Dover", "originally from Lowell": the place is smaller than a state. */
const CITY_CONTEXT =
  /\b(?:[Ll]ives|[Ll]iving|[Ll]ived|[Rr]esides|[Rr]esiding|[Rr]esident|[Mm]oved|[Rr]elocated|[Bb]orn|[Rr]aised|[Gg]rew up|[Vv]isiting|[Vv]isited|[Tt]raveled|[Tt]ravelled|[Rr]eturned|[Oo]riginally|[Ii]mmigrated|[Ee]migrated|[Cc]ame|[Cc]ommutes|[Hh]ome|[Hh]ometown|[Ss]tays|[Ss]taying)(?:[ ,]{1,2}[A-Za-z]{2,12}){0,4}?(?: (?:in|to|at|from|near|of)){1,2} ((?:[A-Z][a-z]{2,20}|St\.|Mt\.|Ft\.)(?:[ -][A-Z][a-z]{2,20}){0,2})/dg;

/** Facilities and named places: "Mercy General Hospital", "Cook County", "Lincoln Elementary School". */
const FACILITY = new RegExp(
  "(?<![\\w])((?:[A-Z][a-z]{1,20}(?:'s)?|St\\.|Mt\\.|[A-Z]{2,5})(?:\\s(?:[A-Z][a-z]{1,20}(?:'s)?|of|the|and|St\\.|[A-Z]{2,5}|&)){0,4})" +
    "\\s(Hospital|Medical Center|Medical Centre|Health Center|Health System|Clinic|Infirmary|Nursing Home|" +
    "Rehabilitation Center|Rehab Center|Hospice|Urgent Care|Healthcare|Memorial|Manor|Assisted Living|" +
    "Care Center|Surgery Center|Cancer Center|University|College|Elementary School|High School|Middle School|" +
    "Schools|School|Practice|Associates|Church|Correctional Facility|Prison|Shelter|County|Parish|Township|Borough)\\b",
  "dg",
);

const AGE_PATTERNS = [
  /\b(\d{2,3})[\s-]{0,2}(?:years?|yrs?|y)[\s./-]{0,2}(?:old|o)\b/g,
  /\b(\d{2,3})\s{0,2}(?:years?|yrs?) of age\b/g,
  /\b(?:[Aa]ged?|AGE)[\s:]{1,3}(\d{2,3})\b/g,
  /\b(\d{2,3})(?:yo|y\/o|YO)?\s?(?:M|F|male|female|man|woman|gentleman|lady)\b(?= (?:with|who|presents|presenting|presented|w\/|admitted|status|s\/p|here))/g,
];

function windowBefore(text: string, start: number, size: number): string {
  return text.slice(Math.max(0, start - size), start).toLowerCase();
}

function hasDigit(s: string): boolean {
  return /\d/.test(s);
}

/** Words that start a capitalised phrase after "in"/"from" without naming a place ("in March", "in The"). */
const NOT_PLACE_START = new Set(
  "the a an his her their our this that these those my your its january february march april may june july august september october november december monday tuesday wednesday thursday friday saturday sunday".split(
    " ",
  ),
);

function isPlace(words: string): boolean {
  const first = words.split(/[ -]/)[0]?.toLowerCase() ?? "";
  return (
    !NOT_PLACE_START.has(first) &&
    !GENERIC_PLACE_WORDS.has(first) &&
    !(NOT_NAMES.has(first) && !words.includes(" ")) &&
    !US_STATE_NAMES.has(words.toLowerCase())
  );
}

export function detectStructured(
  text: string,
  lookalikes: ReadonlyArray<[number, number]>,
  out: Span[],
): void {
  let m: RegExpExecArray | null;

  CONTEXT_ID.lastIndex = 0;
  for (m = CONTEXT_ID.exec(text); m !== null; m = CONTEXT_ID.exec(text)) {
    const idGroup = CONTEXT_TYPES.length + 1;
    const value = m[idGroup] as string;
    const where = m.indices?.[idGroup];
    if (!where || !hasDigit(value) || value.replace(/-/g, "").length < 3) continue;
    let type: PhiType = "ID";
    for (let g = 1; g <= CONTEXT_TYPES.length; g++) {
      if (m[g] !== undefined) {
        type = CONTEXT_TYPES[g - 1] as PhiType;
        break;
      }
    }
    if (insideLookalike(lookalikes, where[0], where[1])) continue;
    out.push(span(type, where[0], where[1], 0.9));
    // Let the next label start right after this one's identifier, not after a swallowed neighbour label.
    CONTEXT_ID.lastIndex = where[1];
  }

  for (const re of [PHONE_NANP, PHONE_INTL]) {
    re.lastIndex = 0;
    for (m = re.exec(text); m !== null; m = re.exec(text)) {
      const before = windowBefore(text, m.index, 24);
      const type: PhiType = FAX_CUE.test(before) ? "FAX" : "PHONE";
      out.push(span(type, m.index, m.index + m[0].length, 0.95));
    }
  }
  PHONE_LOCAL.lastIndex = 0;
  for (m = PHONE_LOCAL.exec(text); m !== null; m = PHONE_LOCAL.exec(text)) {
    const end = m.index + m[0].length;
    if (insideLookalike(lookalikes, m.index, end)) continue;
    const before = windowBefore(text, m.index, 24);
    const fax = FAX_CUE.test(before);
    out.push(span(fax ? "FAX" : "PHONE", m.index, end, fax || PHONE_CUE.test(before) ? 0.85 : 0.6));
  }

  // Cheap literal checks skip whole families on notes that cannot contain them.
  const hasAt = text.includes("@");
  const hasUrl = text.includes("://") || text.includes("www.") || TLD_HINT.test(text);
  const hasIpv4 = IPV4_HINT.test(text);
  const hasIpv6 = IPV6_HINT.test(text);

  // E-mail: anchor on each "@", walk back over the local part (at most 64 characters), match the domain forward.
  for (let at = hasAt ? text.indexOf("@") : -1; at !== -1; at = text.indexOf("@", at + 1)) {
    let start = at;
    while (start > 0 && at - start < 65 && isLocalChar(text.charCodeAt(start - 1))) start--;
    if (start === at || at - start > 64 || (start > 0 && isLocalChar(text.charCodeAt(start - 1)))) continue;
    EMAIL_DOMAIN.lastIndex = at + 1;
    const domain = EMAIL_DOMAIN.exec(text);
    if (!domain) continue;
    out.push(span("EMAIL", start, at + 1 + domain[0].length, 0.99));
    at += domain[0].length;
  }

  for (const re of hasUrl ? [URL_SCHEME, URL_BARE] : []) {
    re.lastIndex = 0;
    for (m = re.exec(text); m !== null; m = re.exec(text)) {
      let end = m.index + m[0].length;
      // Sentence punctuation after a URL is not part of it.
      while (end > m.index && ".,;:!?".includes(text[end - 1] as string)) end--;
      out.push(span("URL", m.index, end, re === URL_SCHEME ? 0.98 : 0.85));
    }
  }

  IPV4.lastIndex = 0;
  for (m = hasIpv4 ? IPV4.exec(text) : null; m !== null; m = IPV4.exec(text)) {
    if (ipValid(m[0]) === 4) out.push(span("IP", m.index, m.index + m[0].length, 0.95));
  }
  IPV6.lastIndex = 0;
  for (m = hasIpv6 ? IPV6.exec(text) : null; m !== null; m = IPV6.exec(text)) {
    if (m[0].length === 0) {
      IPV6.lastIndex++;
      continue;
    }
    if (ipValid(m[0]) === 6) out.push(span("IP", m.index, m.index + m[0].length, 0.97));
  }

  SSN.lastIndex = 0;
  for (m = SSN.exec(text); m !== null; m = SSN.exec(text)) {
    const valid = ssnValid(m[1] as string, m[3] as string, m[4] as string);
    const cue = /\b(?:ssn|social|ss#)/.test(windowBefore(text, m.index, 24));
    if (valid || cue) out.push(span("SSN", m.index, m.index + m[0].length, valid ? 0.95 : 0.8));
  }

  CODE_RUN.lastIndex = 0;
  for (m = CODE_RUN.exec(text); m !== null; m = CODE_RUN.exec(text)) {
    const code = m[0];
    const start = m.index;
    const end = start + code.length;
    if (text.charCodeAt(start - 1) === 45 || text.charCodeAt(end) === 45) continue; // part of a dashed code
    if (code.length === 9 && DEA.test(code) && deaValid(code)) out.push(span("LICENSE", start, end, 0.9));
    else if (code.length === 10 && NPI.test(code) && npiValid(code))
      out.push(span("LICENSE", start, end, 0.7));
    else if (code.length === 11 && MBI.test(code)) out.push(span("HEALTH_PLAN", start, end, 0.85));
    else if (code.length === 17 && VIN.test(code) && hasDigit(code) && /[A-Z]/.test(code)) {
      out.push(span("VEHICLE", start, end, vinCheckDigitValid(code) ? 0.97 : 0.75));
    }
  }
  CARD.lastIndex = 0;
  for (m = CARD.exec(text); m !== null; m = CARD.exec(text)) {
    const digits = m[0].replace(/[ -]/g, "");
    if (digits.length >= 13 && digits.length <= 19 && luhnValid(digits)) {
      out.push(span("ACCOUNT", m.index, m.index + m[0].length, 0.9));
    }
  }

  for (const re of [ADDRESS, PO_BOX]) {
    re.lastIndex = 0;
    for (m = re.exec(text); m !== null; m = re.exec(text)) {
      out.push(span("ADDRESS", m.index, m.index + m[0].length, 0.9));
    }
  }

  CITY_STATE_ZIP.lastIndex = 0;
  for (m = CITY_STATE_ZIP.exec(text); m !== null; m = CITY_STATE_ZIP.exec(text)) {
    const city = m.indices?.[1];
    const zip = m.indices?.[2];
    // "Jane Doe, MD" and "Kim Lee, PA" are credentials, not Maryland or Pennsylvania, unless a ZIP follows.
    const credential = /,\s{1,2}(?:MD|PA|DO|DE)\b/.test(m[0]);
    if (city && isPlace(m[1] as string) && (zip || !credential))
      out.push(span("CITY", city[0], city[1], 0.85));
    if (zip) out.push(span("ZIP", zip[0], zip[1], 0.95));
  }
  for (const re of [STATE_ZIP, ZIP_LABEL]) {
    re.lastIndex = 0;
    for (m = re.exec(text); m !== null; m = re.exec(text)) {
      const zip = m.indices?.[1];
      if (zip) out.push(span("ZIP", zip[0], zip[1], 0.95));
    }
  }
  CITY_CONTEXT.lastIndex = 0;
  for (m = CITY_CONTEXT.exec(text); m !== null; m = CITY_CONTEXT.exec(text)) {
    const city = m.indices?.[1];
    if (city && isPlace(m[1] as string)) out.push(span("CITY", city[0], city[1], 0.75));
  }
  FACILITY.lastIndex = 0;
  for (m = FACILITY.exec(text); m !== null; m = FACILITY.exec(text)) {
    const words = (m[1] as string).split(/\s/).filter((w) => /^[A-Z]/.test(w));
    // "Cardiology Clinic", "The Hospital": generic departments and articles are not a named place.
    if (words.every((w) => GENERIC_PLACE_WORDS.has(w.toLowerCase().replace(/'s$/, "")))) continue;
    let start = m.index;
    const first = words[0]?.toLowerCase() ?? "";
    if (first === "the") start += 4;
    out.push(span("LOCATION", start, m.index + m[0].length, 0.8));
  }

  for (const re of AGE_PATTERNS) {
    re.lastIndex = 0;
    for (m = re.exec(text); m !== null; m = re.exec(text)) {
      const age = Number(m[1]);
      if (age < 90 || age > 125) continue;
      const start = m.index + m[0].indexOf(m[1] as string);
      out.push(span("AGE", start, start + (m[1] as string).length, 0.95));
    }
  }
}
