/** JSON Lines input: one object per line holding an id field and a text field (names configurable). */
import type { ReadItem } from "../record";
import { idOf, isObject, numberedLines, parseJsonLine } from "./lines";

export interface FieldNames {
  id: string;
  text: string;
}

export async function* readJsonLines(file: string, fields: FieldNames): AsyncGenerator<ReadItem> {
  for await (const { line, text } of numberedLines(file)) {
    const parsed = parseJsonLine(text);
    if (!parsed.ok) {
      yield { kind: "bad", line, reason: "invalid JSON" };
      continue;
    }
    if (!isObject(parsed.value)) {
      yield { kind: "bad", line, reason: "line is not a JSON object" };
      continue;
    }
    const record = parsed.value;
    const id = idOf(record[fields.id]);
    if (id === undefined) {
      yield { kind: "bad", line, reason: fieldReason(record, fields.id, "a non-empty string or a number") };
      continue;
    }
    const value = record[fields.text];
    if (typeof value !== "string") {
      yield { kind: "bad", line, id, reason: fieldReason(record, fields.text, "a string") };
      continue;
    }
    yield { kind: "record", line, id, text: value };
  }
}

function fieldReason(record: Record<string, unknown>, field: string, expected: string): string {
  return record[field] === undefined || record[field] === null
    ? `missing field "${field}"`
    : `field "${field}" must be ${expected}`;
}
