/**
 * Text as the recognizers should see it: zero-width and bidirectional control characters removed, confusables
 * (fullwidth digits, Cyrillic and Greek letters that look Latin) folded to ASCII, so "1​2​3-45-6789" or an
 * e-mail written with a Cyrillic "о" is still found. Spans found on the normalised text are mapped back to
 * the original offsets, so what is redacted is the original characters, invisible ones included.
 */

/** Zero-width characters, word joiner, BOM, bidi marks, embeddings, overrides and isolates. */
const INVISIBLE = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u00AD]/;
const NEEDS_WORK = /[^\p{ASCII}]/u;

const LOOKALIKES: Record<string, string> = {
  а: "a",
  е: "e",
  о: "o",
  р: "p",
  с: "c",
  у: "y",
  х: "x",
  і: "i",
  ј: "j",
  ѕ: "s",
  һ: "h",
  ԁ: "d",
  А: "A",
  В: "B",
  Е: "E",
  К: "K",
  М: "M",
  Н: "H",
  О: "O",
  Р: "P",
  С: "C",
  Т: "T",
  Х: "X",
  І: "I",
  Ј: "J",
  Ѕ: "S",
  ο: "o",
  ν: "v",
  α: "a",
  ι: "i",
  κ: "k",
  ρ: "p",
  τ: "t",
  υ: "u",
  χ: "x",
  Α: "A",
  Β: "B",
  Ε: "E",
  Ζ: "Z",
  Η: "H",
  Ι: "I",
  Κ: "K",
  Μ: "M",
  Ν: "N",
  Ο: "O",
  Ρ: "P",
  Τ: "T",
  Υ: "Y",
  Χ: "X",
};

export interface Normalised {
  text: string;
  source: string;
  /** original[j]: offset in the original text of normalised character j; original[text.length] = its length. */
  original: Int32Array | undefined;
}

function fold(ch: string): string {
  const mapped = LOOKALIKES[ch];
  if (mapped !== undefined) return mapped;
  const compat = ch.normalize("NFKC");
  // Only single-ASCII results: NFKC also expands ligatures and fractions, which are no identifier's disguise.
  return compat.length === 1 && compat.charCodeAt(0) < 0x80 ? compat : ch;
}

export function normaliseForDetection(text: string): Normalised {
  if (!NEEDS_WORK.test(text)) return { text, source: text, original: undefined };
  const out: string[] = [];
  const original: number[] = [];
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i) as number;
    const width = cp > 0xffff ? 2 : 1;
    const ch = text.slice(i, i + width);
    if (cp < 0x80) {
      out.push(ch);
      original.push(i);
    } else if (!INVISIBLE.test(ch)) {
      const f = fold(ch);
      out.push(f);
      for (let k = 0; k < f.length; k++) original.push(i + Math.min(k, width - 1));
    }
    i += width;
  }
  original.push(text.length);
  return { text: out.join(""), source: text, original: Int32Array.from(original) };
}

/** Maps [start, end) on the normalised text to the original, taking in invisible characters inside it. */
export function toOriginal(n: Normalised, start: number, end: number): [number, number] {
  if (n.original === undefined) return [start, end];
  const from = n.original[start] as number;
  if (end <= start) return [from, from];
  const last = n.original[end - 1] as number;
  // The whole last code point: a surrogate pair folded to one ASCII letter is never cut in half.
  return [from, last + ((n.source.codePointAt(last) as number) > 0xffff ? 2 : 1)];
}
