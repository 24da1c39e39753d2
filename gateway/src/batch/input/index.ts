/** Opens the batch input: checks it can be read, detects its format from the content unless one is given. */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import type { ReadItem } from "../record";
import { countCsvRecords, readCsv } from "./csv";
import { InputError } from "./errors";
import { readFhirNdjson } from "./fhir";
import { type FieldNames, readJsonLines } from "./jsonl";
import { countNonBlankLines, isObject, parseJsonLine } from "./lines";
import { listTextFiles, readTextFolder } from "./text-folder";

export { InputError } from "./errors";
export type { FieldNames } from "./jsonl";

export const INPUT_FORMATS = ["jsonl", "csv", "txt", "fhir"] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

export interface BatchInput {
  format: InputFormat;
  read(): AsyncIterable<ReadItem>;
  /** Records in the input (for progress), counted without reading any text into memory at once. */
  count(): Promise<number>;
}

/** How much of a file detection looks at: enough for the first line of any sane NDJSON export. */
const SNIFF_BYTES = 1 << 20;

function sniff(file: string): string {
  const fd = openSync(file, "r");
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const n = readSync(fd, buffer, 0, SNIFF_BYTES, 0);
    return buffer
      .subarray(0, n)
      .toString("utf8")
      .replace(/^\uFEFF/, "");
  } finally {
    closeSync(fd);
  }
}

/** `{` first means JSON Lines, and a first object with resourceType means FHIR; anything else is CSV. */
export function detectFormat(file: string): InputFormat {
  const head = sniff(file).trimStart();
  if (!head.startsWith("{")) return head === "" ? "jsonl" : "csv";
  const firstLine = head.split(/\r?\n/, 1)[0] as string;
  const parsed = parseJsonLine(firstLine);
  return parsed.ok && isObject(parsed.value) && typeof parsed.value.resourceType === "string"
    ? "fhir"
    : "jsonl";
}

export function openInput(
  inputPath: string,
  format: InputFormat | undefined,
  fields: FieldNames,
): BatchInput {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(inputPath).isDirectory();
    if (!isDirectory) closeSync(openSync(inputPath, "r"));
  } catch (err) {
    throw new InputError(`cannot read --in ${inputPath} (${(err as NodeJS.ErrnoException).code})`);
  }
  if (isDirectory && format !== undefined && format !== "txt") {
    throw new InputError(`--in ${inputPath} is a folder; --format ${format} reads a file`);
  }
  if (!isDirectory && format === "txt") {
    throw new InputError(`--format txt reads a folder of .txt files; --in ${inputPath} is a file`);
  }
  const chosen = isDirectory ? "txt" : (format ?? detectFormat(inputPath));
  switch (chosen) {
    case "txt":
      return {
        format: chosen,
        read: () => readTextFolder(inputPath),
        count: async () => listTextFiles(inputPath).length,
      };
    case "csv":
      return {
        format: chosen,
        read: () => readCsv(inputPath, fields),
        count: () => countCsvRecords(inputPath),
      };
    case "fhir":
      return {
        format: chosen,
        read: () => readFhirNdjson(inputPath),
        count: () => countNonBlankLines(inputPath),
      };
    case "jsonl":
      return {
        format: chosen,
        read: () => readJsonLines(inputPath, fields),
        count: () => countNonBlankLines(inputPath),
      };
  }
}
