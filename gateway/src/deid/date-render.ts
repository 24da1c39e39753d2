/**
 * Writes a shifted date back in the form it was written in (numeric order, separator, padding, month spelling,
 * ordinal, comma), so a shifted note reads like the original.
 */
import type { DateForm } from "./span";

const FULL_MONTH_NAMES = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

function monthName(month: number, like: string): string {
  const full = FULL_MONTH_NAMES[month - 1] as string;
  const dotted = like.endsWith(".");
  const bare = (dotted ? like.slice(0, -1) : like).toLowerCase();
  const abbreviated = !FULL_MONTH_NAMES.some((f) => f.toLowerCase() === bare);
  let name = abbreviated ? (bare === "sept" && month === 9 ? "Sept" : full.slice(0, 3)) : full;
  if (like.length > 1 && like === like.toUpperCase()) name = name.toUpperCase();
  return abbreviated && dotted ? `${name}.` : name;
}

function ordinal(day: number): string {
  const tens = day % 100;
  if (tens >= 11 && tens <= 13) return "th";
  return ["th", "st", "nd", "rd"][day % 10] ?? "th";
}

const pad2 = (n: number, pad: boolean): string => (pad && n < 10 ? `0${n}` : String(n));

/** Writes a date in the recorded form. */
export function renderDate(
  form: DateForm,
  year: number | undefined,
  month: number,
  day: number | undefined,
): string {
  if (form.kind === "numeric") {
    const sep = form.separator;
    const y =
      year === undefined ? "" : form.yearDigits === 2 ? String(year % 100).padStart(2, "0") : String(year);
    const mm = pad2(month, form.pad);
    const dd = pad2(day ?? 1, form.pad);
    switch (form.order) {
      case "ymd":
        return `${y}${sep}${mm}${sep}${dd}`;
      case "mdy":
        return `${mm}${sep}${dd}${sep}${y}`;
      case "dmy":
        return `${dd}${sep}${mm}${sep}${y}`;
      case "md":
        return `${mm}${sep}${dd}`;
      case "my":
        return `${mm}${sep}${y}`;
    }
  }
  const name = monthName(month, form.monthText ?? "January");
  const d = day === undefined ? "" : `${day}${form.ordinal ? ordinal(day) : ""}`;
  switch (form.order) {
    case "dmy": {
      const joined = form.of ? `${d} of ${name}` : `${d}${form.separator}${name}`;
      return year === undefined ? joined : `${joined}${form.comma ? "," : ""}${form.separator}${year}`;
    }
    case "my":
      return `${name}${form.comma ? "," : ""} ${year}`;
    default:
      return year === undefined ? `${name} ${d}` : `${name} ${d}${form.comma ? "," : ""} ${year}`;
  }
}

const DAY_MS = 86_400_000;

/**
 * Shifts a recorded date by `days`. Dates without a year are placed in a fixed leap year so Feb 29 exists;
 * month-year dates are anchored on the 15th so the shift moves the month only when it should.
 */
export function shiftDate(form: DateForm, days: number): string {
  const anchorYear = form.year ?? 2000;
  const anchorDay = form.day ?? 15;
  const t = Date.UTC(anchorYear, form.month - 1, anchorDay) + days * DAY_MS;
  const d = new Date(t);
  const year = form.year === undefined ? undefined : d.getUTCFullYear();
  const day = form.day === undefined ? undefined : d.getUTCDate();
  return renderDate(form, year, d.getUTCMonth() + 1, day);
}
