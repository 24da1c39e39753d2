/**
 * DATE recognizer. Safe Harbor removes every element of a date except the year, so month-day,
 * month-year and full dates are all reported; a bare year is kept. Each recognized date remembers how it was
 * written so the shift operator can write the shifted date back in the same form (date-render.ts).
 */
import { nearScaleCue } from "./allowlist";
import { type DeidDocument, inLookalike } from "./document";
import { MONTHS } from "./lexicon";
import type { Recognizer } from "./recognizer";
import { type DateForm, type Span, span } from "./span";

const MON =
  "(January|February|March|April|May|June|July|August|September|October|November|December|" +
  "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec|JANUARY|FEBRUARY|MARCH|APRIL|MAY|JUNE|JULY|AUGUST|" +
  "SEPTEMBER|OCTOBER|NOVEMBER|DECEMBER|JAN|FEB|MAR|APR|JUN|JUL|AUG|SEPT|SEP|OCT|NOV|DEC)";

/** "March 14, 2024", "Mar. 14th 2024", "Jan 5th", "March 5". */
const MONTH_DAY = new RegExp(
  `\\b${MON}\\b(\\.?)\\s{1,3}(\\d{1,2})(st|nd|rd|th)?\\b(?:(,?)\\s{1,3}((?:19|20)\\d{2})\\b)?(?![/:.]\\d)`,
  "g",
);
/** "14 Mar 2024", "5th of January", "14-Mar-2024". */
const DAY_MONTH = new RegExp(
  `\\b(\\d{1,2})(st|nd|rd|th)?(\\s{1,3}of\\s{1,3}|\\s{1,3}|-)${MON}\\b\\.?(?:(,?[\\s-]{1,3})((?:19|20)\\d{2})\\b)?`,
  "g",
);
/** "March 2024", "Jan. 2019", "June, 2020". */
const MONTH_YEAR = new RegExp(`\\b${MON}\\b(\\.?)(,?)\\s{1,3}((?:19|20)\\d{2})\\b`, "g");
/** A month name alone ("seen in March"): still a date element, weaker evidence. "May" alone is a verb. */
const MONTH_ALONE =
  /\b(January|February|March|April|June|July|August|September|October|November|December)\b/g;
/** 03/14/2024, 3-14-24, 14.03.2024, 2024-03-14, 2024/3/14. */
const NUMERIC_FULL = /(?<![\d./-])(\d{1,4})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\d]|[./-]\d)/g;
/** 3/14 and 03/2024: slash only, as dashes are ranges ("3-5 days") and dots are decimals. */
const NUMERIC_SHORT = /(?<![\d./-])(\d{1,2})\/(\d{1,2}|(?:19|20)\d{2})(?![\d]|[./-]\d)/g;

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDay(month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= (DAYS_IN_MONTH[month - 1] as number);
}

function monthNumber(name: string): number {
  return MONTHS.get(name.toLowerCase()) ?? 0;
}

function fullYear(raw: string): number {
  const y = Number(raw);
  return raw.length === 2 ? (y < 50 ? 2000 + y : 1900 + y) : y;
}

function textForm(
  order: DateForm["order"],
  monthText: string,
  month: number,
  day: number | undefined,
  year: number | undefined,
  extras: { ordinal?: boolean; comma?: boolean; of?: boolean; separator?: string },
): DateForm {
  return {
    kind: "text",
    order,
    month,
    day,
    year,
    monthText,
    separator: extras.separator ?? " ",
    pad: false,
    yearDigits: 4,
    ordinal: extras.ordinal ?? false,
    comma: extras.comma ?? false,
    of: extras.of ?? false,
  };
}

/** Finds dates; a bare m/d inside a clinical look-alike ("pain 7/10") is not read as a date. */
export const dateRecognizer: Recognizer = {
  name: "dates",
  find(doc) {
    const out: Span[] = [];
    findDates(doc, out);
    return out;
  },
};

function findDates(doc: DeidDocument, out: Span[]): void {
  const { text } = doc;
  let m: RegExpExecArray | null;

  MONTH_DAY.lastIndex = 0;
  for (m = MONTH_DAY.exec(text); m !== null; m = MONTH_DAY.exec(text)) {
    const monthText = m[1] as string;
    const month = monthNumber(monthText);
    const day = Number(m[3]);
    if (!validDay(month, day)) continue;
    const year = m[6] ? Number(m[6]) : undefined;
    const s = span("DATE", m.index, m.index + m[0].length, year ? 0.97 : 0.9);
    s.date = textForm("md", monthText + (m[2] ?? ""), month, day, year, {
      ordinal: Boolean(m[4]),
      comma: m[5] === ",",
    });
    out.push(s);
  }

  DAY_MONTH.lastIndex = 0;
  for (m = DAY_MONTH.exec(text); m !== null; m = DAY_MONTH.exec(text)) {
    const day = Number(m[1]);
    const monthText = m[4] as string;
    const month = monthNumber(monthText);
    if (!validDay(month, day)) continue;
    // "2 May" alone is too weak ("take 2 May ..."); "May" needs a year, an ordinal or "of" here.
    if (monthText === "May" && !m[6] && !m[2] && !/of/.test(m[3] as string)) continue;
    const year = m[6] ? Number(m[6]) : undefined;
    const monthEnd =
      m.index + (m[1] as string).length + (m[2]?.length ?? 0) + (m[3] as string).length + monthText.length;
    const dotted = text.charCodeAt(monthEnd);
    const s = span("DATE", m.index, m.index + m[0].length, year ? 0.97 : 0.85);
    const sep = m[3] === "-" ? "-" : " ";
    s.date = textForm("dmy", monthText + (dotted === 46 ? "." : ""), month, day, year, {
      ordinal: Boolean(m[2]),
      of: /of/.test(m[3] as string),
      separator: sep,
      comma: (m[5] ?? "").includes(","),
    });
    out.push(s);
  }

  MONTH_YEAR.lastIndex = 0;
  for (m = MONTH_YEAR.exec(text); m !== null; m = MONTH_YEAR.exec(text)) {
    const monthText = m[1] as string;
    const s = span("DATE", m.index, m.index + m[0].length, 0.95);
    s.date = textForm("my", monthText + (m[2] ?? ""), monthNumber(monthText), undefined, Number(m[4]), {
      comma: m[3] === ",",
    });
    out.push(s);
  }

  MONTH_ALONE.lastIndex = 0;
  for (m = MONTH_ALONE.exec(text); m !== null; m = MONTH_ALONE.exec(text)) {
    // "March" and "April", "June", "August" are also names or verbs; only the month reading is weak evidence.
    out.push(span("DATE", m.index, m.index + m[0].length, 0.5));
  }

  NUMERIC_FULL.lastIndex = 0;
  for (m = NUMERIC_FULL.exec(text); m !== null; m = NUMERIC_FULL.exec(text)) {
    const a = m[1] as string;
    const sep = m[2] as string;
    const b = Number(m[3]);
    const c = m[4] as string;
    let form: DateForm | undefined;
    const base = { kind: "numeric" as const, separator: sep, ordinal: false, comma: false, of: false };
    if (a.length === 4) {
      if (c.length !== 2 && c.length !== 1) continue;
      const year = Number(a);
      const day = Number(c);
      if (year < 1900 || year > 2099 || !validDay(b, day)) continue;
      form = { ...base, order: "ymd", year, month: b, day, pad: m[3]?.length === 2, yearDigits: 4 };
    } else if (a.length <= 2) {
      const first = Number(a);
      const year = fullYear(c);
      const yearDigits = c.length === 4 ? 4 : 2;
      if (c.length === 3) continue;
      if (validDay(first, b)) {
        form = { ...base, order: "mdy", year, month: first, day: b, pad: a.length === 2, yearDigits };
      } else if (validDay(b, first)) {
        form = { ...base, order: "dmy", year, month: b, day: first, pad: a.length === 2, yearDigits };
      }
    }
    if (!form) continue;
    if (sep === "." && form.yearDigits === 2) continue; // "1.2.34" is a version or a number, not a date.
    const s = span("DATE", m.index, m.index + m[0].length, sep === "/" || sep === "-" ? 0.97 : 0.8);
    s.date = form;
    out.push(s);
  }

  NUMERIC_SHORT.lastIndex = 0;
  for (m = NUMERIC_SHORT.exec(text); m !== null; m = NUMERIC_SHORT.exec(text)) {
    const first = Number(m[1]);
    const second = m[2] as string;
    const start = m.index;
    const end = start + m[0].length;
    if (inLookalike(doc, start, end) || nearScaleCue(text, start, end)) continue;
    const base = { kind: "numeric" as const, separator: "/", ordinal: false, comma: false, of: false };
    if (second.length === 4) {
      if (first < 1 || first > 12) continue;
      const s = span("DATE", start, end, 0.85);
      s.date = {
        ...base,
        order: "my",
        month: first,
        year: Number(second),
        pad: m[1]?.length === 2,
        yearDigits: 4,
      };
      out.push(s);
      continue;
    }
    const day = Number(second);
    if (!validDay(first, day)) continue;
    const s = span("DATE", start, end, 0.75);
    s.date = { ...base, order: "md", month: first, day, pad: m[1]?.length === 2, yearDigits: 4 };
    out.push(s);
  }
}
