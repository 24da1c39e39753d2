/** A folder of .txt notes, one record per file, searched recursively; the id is the path relative to the folder. */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { ReadItem } from "../record";
import { decodeText } from "./decode";

export const TEXT_FILE_SUFFIX = ".txt";

/** Relative paths with "/" separators, sorted, so ids and order are the same on every platform and run. */
export function listTextFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (relative: string) => {
    const entries = readdirSync(path.join(dir, relative), { withFileTypes: true });
    for (const entry of entries) {
      const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile() && entry.name.toLowerCase().endsWith(TEXT_FILE_SUFFIX)) found.push(child);
    }
  };
  walk("");
  return found.sort();
}

export async function* readTextFolder(dir: string): AsyncGenerator<ReadItem> {
  for (const file of listTextFiles(dir)) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path.join(dir, file));
    } catch (err) {
      yield {
        kind: "bad",
        file,
        id: file,
        reason: `file cannot be read (${(err as NodeJS.ErrnoException).code})`,
      };
      continue;
    }
    const decoded = decodeText(bytes, "utf-8");
    if (decoded === undefined) yield { kind: "bad", file, id: file, reason: "file is not valid UTF-8" };
    else yield { kind: "record", file, id: file, text: decoded };
  }
}
