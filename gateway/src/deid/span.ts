import type { PhiEntity, PhiType } from "../contracts";

/** How a date was written, so date shifting can write the shifted date back in the same form. */
export interface DateForm {
  /** "numeric": 03/14/2024, 2024-03-14, 3/14; "text": March 14, 2024, 14 Mar 2024, Jan. 5th, March 2024. */
  kind: "numeric" | "text";
  year?: number;
  month: number;
  day?: number;
  /** numeric: component order and separator; text: month spelling and day placement. */
  order: "ymd" | "mdy" | "dmy" | "md" | "my";
  separator: string;
  pad: boolean;
  yearDigits: 2 | 4;
  monthText?: string;
  ordinal: boolean;
  comma: boolean;
  of: boolean;
}

/** A detected identifier plus what the rewriter needs; offsets index the original text. */
export interface Span extends PhiEntity {
  date?: DateForm;
  /** Found by the learned detector, not by a rule: it yields to an overlapping rule span of another type. */
  learned?: true;
}

export function span(type: PhiType, start: number, end: number, score: number): Span {
  return { type, start, end, score };
}
