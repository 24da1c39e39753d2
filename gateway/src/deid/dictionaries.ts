/**
 * The word lists the de-identifier reads from gateway/data, once per process: the Census given names and
 * surnames (data/names) and the English word list (data/words). Paths work from src/deid (tsx) and
 * dist/deid (compiled).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface NameDictionaries {
  first: ReadonlySet<string>;
  last: ReadonlySet<string>;
}

const DATA = join(__dirname, "..", "..", "data");

function loadWords(...path: string[]): Set<string> {
  const text = readFileSync(join(DATA, ...path), "utf8");
  return new Set(text.split("\n").filter((w) => w.length > 1));
}

let names: NameDictionaries | undefined;

export function nameDictionaries(): NameDictionaries {
  names ??= { first: loadWords("names", "first-names.txt"), last: loadWords("names", "surnames.txt") };
  return names;
}

let english: ReadonlySet<string> | undefined;

/** Lower-case English words (SCOWL size 50, no proper nouns): data/words/SOURCE.md. */
export function englishWords(): ReadonlySet<string> {
  english ??= loadWords("words", "english.txt");
  return english;
}
