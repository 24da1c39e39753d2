/** CSV input (RFC 4180, through csv-parse): a header row naming the id and text columns (names configurable). */
import { createReadStream } from "node:fs";
import { type CsvError, type Info, parse } from "csv-parse";
import type { ReadItem } from "../record";
import { InputError } from "./errors";
import type { FieldNames } from "./jsonl";

/** csv-parse's messages quote the offending field, which is PHI; these say what is wrong without it. */
const CSV_REASONS: Record<string, string> = {
  CSV_RECORD_INCONSISTENT_COLUMNS: "row has a different number of columns than the header",
  CSV_RECORD_INCONSISTENT_FIELDS_LENGTH: "row has a different number of columns than the header",
  CSV_INVALID_CLOSING_QUOTE: "malformed quoting (a quote closes a field but more characters follow)",
  CSV_QUOTE_NOT_CLOSED: "unclosed quote: the rest of the file is one field",
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: "malformed quoting (characters after a closing quote)",
};

interface ParsedRow {
  record: Record<string, string>;
  info: Info;
  raw: string;
}

function parser() {
  return parse({
    columns: true,
    bom: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    info: true,
    raw: true,
  });
}

export async function* readCsv(file: string, fields: FieldNames): AsyncGenerator<ReadItem> {
  const rows = createReadStream(file).pipe(parser());
  const skipped: ReadItem[] = [];
  rows.on("skip", (err: CsvError) => {
    skipped.push({
      kind: "bad",
      line: Number(err.lines),
      reason: CSV_REASONS[err.code] ?? `malformed CSV row (${err.code})`,
    });
  });
  let checkedHeader = false;
  for await (const row of rows as AsyncIterable<ParsedRow>) {
    if (!checkedHeader) {
      const columns = Object.keys(row.record);
      for (const name of [fields.id, fields.text]) {
        if (!columns.includes(name)) {
          rows.destroy();
          throw new InputError(
            `the CSV header has no column "${name}" (it has ${columns.map((c) => JSON.stringify(c)).join(", ")}); name the columns with --id-field and --text-field`,
          );
        }
      }
      checkedHeader = true;
    }
    // info.lines is the line the record ends on; a quoted field may span lines.
    const line = row.info.lines - (row.raw.match(/\n/g)?.length ?? 0) + (row.raw.endsWith("\n") ? 1 : 0);
    // The parser reads ahead, so rejected rows may be reported before the rows above them are yielded.
    while (skipped.length > 0 && ((skipped[0] as ReadItem).line ?? 0) < line)
      yield skipped.shift() as ReadItem;
    const id = (row.record[fields.id] ?? "").trim();
    if (id === "") {
      yield { kind: "bad", line, reason: `missing field "${fields.id}"` };
      continue;
    }
    yield { kind: "record", line, id, text: row.record[fields.text] ?? "" };
  }
  yield* skipped.splice(0);
}

export async function countCsvRecords(file: string): Promise<number> {
  let n = 0;
  for await (const _ of createReadStream(file).pipe(parser())) n++;
  return n;
}
