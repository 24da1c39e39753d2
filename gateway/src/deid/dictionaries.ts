/** The Census given-name and surname lists, read from gateway/data/names once per process. */
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface NameDictionaries {
  first: ReadonlySet<string>;
  last: ReadonlySet<string>;
}

let cached: NameDictionaries | undefined;

/** Loads gateway/data/names once; the path works from src/deid (tsx) and dist/deid (compiled). */
export function nameDictionaries(): NameDictionaries {
  if (cached) return cached;
  const dir = join(__dirname, "..", "..", "data", "names");
  const load = (file: string): Set<string> => {
    const text = readFileSync(join(dir, file), "utf8");
    return new Set(text.split("\n").filter((w) => w.length > 1));
  };
  cached = { first: load("first-names.txt"), last: load("surnames.txt") };
  return cached;
}
