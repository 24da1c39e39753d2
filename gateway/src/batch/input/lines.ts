/** Line-oriented input (JSON Lines, FHIR NDJSON): one JSON value per line, blank lines ignored. */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";

export interface NumberedLine {
  /** 1-based line number in the file. */
  line: number;
  text: string;
}

export async function* numberedLines(file: string): AsyncGenerator<NumberedLine> {
  const input = createReadStream(file, { encoding: "utf8" });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  for await (const raw of lines) {
    line++;
    // A UTF-8 byte-order mark is not part of the first value.
    const text = line === 1 ? raw.replace(/^\uFEFF/, "") : raw;
    if (text.trim() !== "") yield { line, text };
  }
}

export async function countNonBlankLines(file: string): Promise<number> {
  let n = 0;
  for await (const _ of numberedLines(file)) n++;
  return n;
}

/** JSON.parse without its error message: V8 quotes the start of the input in it, and the input is PHI. */
export function parseJsonLine(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An id is a non-empty string or a finite number (kept as its decimal string). */
export function idOf(value: unknown): string | undefined {
  if (typeof value === "string" && value.trim() !== "") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}
