/**
 * The regular expressions of the structured-identifier recognizers, precompiled once. Every pattern uses bounded
 * repetitions and lookbehinds that only let a match start at a token boundary, so a 100k-character adversarial
 * input costs a bounded amount of work per character.
 */
import { US_STATE_CODES, US_STATE_NAMES } from "./lexicon";

export const PHONE_NANP =
  /(?<![\w+-])(?:\+?1[\s.-]{0,2})?(?:\(\d{3}\)\s{0,2}|\d{3}[\s.-]{1,2})\d{3}[\s.-]{1,2}\d{4}(?:\s{0,2}(?:x|ext\.?|extension)\s{0,2}\d{1,6})?(?![\w-])/g;
export const PHONE_INTL = /(?<![\w+])\+[2-9]\d{0,2}(?:[\s.-]{0,2}\d{1,4}){2,5}(?![\w-])/g;
export const PHONE_LOCAL = /(?<![\w./-])\d{3}-\d{4}(?![\w-]|\.\d)/g;
export const PHONE_CUE =
  /\b(?:phone|ph|tel|telephone|cell|mobile|home|work|pager|beeper|call|called|contact|reached|number|#)\b/;
export const FAX_CUE = /\bfax\b|\bfacsimile\b/;

export const EMAIL_DOMAIN = /[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}/y;

export const URL_SCHEME = /(?<![\w@])(?:https?:\/\/|ftp:\/\/|www\.)[^\s<>"'()[\]{}]{1,2000}/g;
export const URL_BARE =
  /(?<![\w.@/-])(?:[A-Za-z0-9-]{1,63}\.){1,5}(?:com|org|net|edu|gov|io|health|info|us|biz|me)(?![\w-])(?:\/[^\s<>"'()[\]{}]{0,500})?/g;
export const TLD_HINT = /\.(?:com|org|net|edu|gov|io|health|info|us|biz|me)(?![\w-])/;

export const IPV4 = /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d]|\.\d)/g;
export const IPV6 =
  /(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![\w:])/g;
export const IPV4_HINT = /\d\.\d{1,3}\.\d{1,3}\.\d/;
export const IPV6_HINT = /::|[0-9A-Fa-f]:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]/;

export const SSN = /(?<![\d-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\d-])/g;
export const SSN_CUE = /\b(?:ssn|social|ss#)/;

/** One scan finds every label-free code candidate; its length says which validator applies. */
export const CODE_RUN = /\b[A-Z0-9]{9,17}\b/g;
export const DEA = /^[A-Z][A-Z9]\d{7}$/;
export const NPI = /^[12]\d{9}$/;
export const VIN = /^[A-HJ-NPR-Z0-9]{17}$/;
export const MBI =
  /^[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d[AC-HJKMNP-RT-Y]{2}\d{2}$/;
export const CARD = /(?<![\d-])(?:\d{4}[ -]?){3}\d{1,7}(?![\d-])/g;

const STREET_SUFFIX =
  "(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Way|Terrace|Ter|" +
  "Parkway|Pkwy|Circle|Cir|Highway|Hwy|Square|Sq|Trail|Trl|Alley|Row|Plaza|Loop|Path|Pike|Crossing|Ridge|Run|Walk)";
/**
 * Between the parts of a street address: spaces, or one line break but never a blank line, so a date that ends
 * a paragraph is not read as a house number for the next paragraph's "Dear Dr ...".
 */
const ADDRESS_GAP = "(?:[ \\t]{1,2}|[ \\t]?\\r?\\n)";
/** A letter's salutation or closing is no street name ("Dear Dr", "Regards"). */
const NOT_STREET_WORD = "(?!(?:Dear|Hello|Hi|Regards|Sincerely|Attn|To)\\b)";
export const ADDRESS = new RegExp(
  `(?<![\\w.-])\\d{1,6}[A-Z]?${ADDRESS_GAP}(?:(?:[NSEW]\\.?|North|South|East|West)${ADDRESS_GAP})?` +
    `(?:${NOT_STREET_WORD}(?:[A-Z][a-z]{1,20}|[A-Z]{2,12}|\\d{1,3}(?:st|nd|rd|th))\\.?${ADDRESS_GAP}){1,4}` +
    `${STREET_SUFFIX}\\b\\.?` +
    "(?:,?\\s{1,2}(?:Apt|Apartment|Suite|Ste|Unit|Room|Rm|Floor|Fl|#)\\.?\\s{0,2}#?[A-Za-z0-9-]{1,8}(?![\\w-]))?",
  "g",
);
export const PO_BOX = /\b(?:P\.?\s?O\.?\s{0,2}Box|Post Office Box)\s{1,2}\d{1,6}\b/g;

const STATE_NAME_ALT = [...US_STATE_NAMES]
  .map((s) => s.replace(/\b[a-z]/g, (c) => c.toUpperCase()))
  .join("|")
  .concat("|New Hampshire|New Jersey|New Mexico|New York|North Carolina|North Dakota|Rhode Island|")
  .concat("South Carolina|South Dakota|West Virginia|District of Columbia");
const STATE_ALT = `(?:${[...US_STATE_CODES].join("|")}|${STATE_NAME_ALT})`;
/** "Boston, MA 02115" -> CITY "Boston" and ZIP "02115"; the state itself is allowed by Safe Harbor. */
export const CITY_STATE_ZIP = new RegExp(
  `(?<![\\w])((?:[A-Z][a-z]{1,20}|St\\.|Mt\\.|Ft\\.)(?:[ -](?:[A-Z][a-z]{1,20})){0,2}),\\s{1,2}${STATE_ALT}\\.?` +
    "(?:,?\\s{1,2}(\\d{5}(?:-\\d{4})?))?(?![\\w-])",
  "dg",
);
/** "Jane Doe, MD" and "Kim Lee, PA" are credentials, not Maryland or Pennsylvania, unless a ZIP follows. */
export const CREDENTIAL_NOT_STATE = /,\s{1,2}(?:MD|PA|DO|DE)\b/;
export const STATE_ZIP = new RegExp(`\\b${STATE_ALT}\\.?,?\\s{1,2}(\\d{5}(?:-\\d{4})?)(?![\\w-])`, "dg");
export const ZIP_LABEL = /\b(?:ZIP|Zip|zip)(?: ?[Cc]ode)?[\s:#]{0,3}(\d{5}(?:-\d{4})?)(?![\w-])/dg;

/** "lives in Springfield", "moved to Dover", "originally from Lowell": the place is smaller than a state. */
export const CITY_CONTEXT =
  /\b(?:[Ll]ives|[Ll]iving|[Ll]ived|[Rr]esides|[Rr]esiding|[Rr]esident|[Mm]oved|[Rr]elocated|[Bb]orn|[Rr]aised|[Gg]rew up|[Vv]isiting|[Vv]isited|[Tt]raveled|[Tt]ravelled|[Rr]eturned|[Oo]riginally|[Ii]mmigrated|[Ee]migrated|[Cc]ame|[Cc]ommutes|[Hh]ome|[Hh]ometown|[Ss]tays|[Ss]taying)(?:[ ,]{1,2}[A-Za-z]{2,12}){0,4}?(?: (?:in|to|at|from|near|of)){1,2} ((?:[A-Z][a-z]{2,20}|St\.|Mt\.|Ft\.)(?:[ -][A-Z][a-z]{2,20}){0,2})/dg;

/** Facilities and named places: "Mercy General Hospital", "Cook County", "Lincoln Elementary School". */
export const FACILITY = new RegExp(
  "(?<![\\w])((?:[A-Z][a-z]{1,20}(?:'s)?|St\\.|Mt\\.|[A-Z]{2,5})(?:\\s(?:[A-Z][a-z]{1,20}(?:'s)?|of|the|and|St\\.|[A-Z]{2,5}|&)){0,4})" +
    "\\s(Hospital|Medical Center|Medical Centre|Health Center|Health System|Clinic|Infirmary|Nursing Home|" +
    "Rehabilitation Center|Rehab Center|Hospice|Urgent Care|Healthcare|Memorial|Manor|Assisted Living|" +
    "Care Center|Surgery Center|Cancer Center|University|College|Elementary School|High School|Middle School|" +
    "Schools|School|Practice|Associates|Church|Correctional Facility|Prison|Shelter|County|Parish|Township|Borough)\\b",
  "dg",
);

/** Ages need explicit age wording ("93 years old", "aged 91", "92 yo F presents"); group 1 is the number. */
export const AGE_PATTERNS = [
  /\b(\d{2,3})[\s-]{0,2}(?:years?|yrs?|y)[\s./-]{0,2}(?:old|o)\b/dg,
  /\b(\d{2,3})\s{0,2}(?:years?|yrs?) of age\b/dg,
  /\b(?:[Aa]ged?|AGE)[\s:]{1,3}(\d{2,3})\b/dg,
  /\b(\d{2,3})(?:yo|y\/o|YO)?\s?(?:M|F|male|female|man|woman|gentleman|lady)\b(?= (?:with|who|presents|presenting|presented|w\/|admitted|status|s\/p|here))/dg,
];
