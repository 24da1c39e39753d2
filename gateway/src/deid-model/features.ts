/**
 * Tokens and hashed features of the learned PHI detector. This file is the only definition of both: the
 * training pipeline (gateway/deid-model/) calls it to write training data, and the inference wrapper calls it
 * at run time, so the model never sees features computed two different ways.
 *
 * A token is a run of letters/digits or a single other non-space character, so every character of a PHI span
 * that matters for recall belongs to exactly one token. Each token gets FEATURES_PER_TOKEN hashed feature ids
 * (FNV-1a, modulo HASH_BUCKETS): no vocabulary file, and unseen words still get their shape and affixes.
 */

export const HASH_BUCKETS = 16384;
export const FEATURES_PER_TOKEN = 8;
/** Words longer than this are hashed by their first characters only: bounded work per token. */
const MAX_HASHED_CHARS = 24;

export interface Token {
  start: number;
  end: number;
  text: string;
}

const TOKEN = /[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu;

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m !== null; m = TOKEN.exec(text)) {
    tokens.push({ start: m.index, end: m.index + m[0].length, text: m[0] });
  }
  return tokens;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** The FNV-1a state after `salt`: every feature's hash starts from its salt's state, computed once. */
function saltState(salt: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < salt.length; i++) h = Math.imul(h ^ salt.charCodeAt(i), FNV_PRIME);
  return h;
}

/** FNV-1a over `salt` then text[from, to), the whole capped at MAX_HASHED_CHARS code units; no allocation. */
function hash(salt: string, text: string, from: number, to: number): number {
  return hashFrom(saltState(salt), salt.length, text, from, to);
}

function hashFrom(state: number, saltLength: number, text: string, from: number, to: number): number {
  let h = state;
  const end = Math.min(to, from + MAX_HASHED_CHARS - saltLength);
  for (let i = from; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
  return (h >>> 0) % HASH_BUCKETS;
}

/** As `hash`, over the lower-cased ASCII text[from, to) without building the lower-cased string. */
function hashLowerAscii(state: number, saltLength: number, text: string, from: number, to: number): number {
  let h = state;
  const end = Math.min(to, from + MAX_HASHED_CHARS - saltLength);
  for (let i = from; i < end; i++) {
    const c = text.charCodeAt(i);
    h = Math.imul(h ^ (c >= 65 && c <= 90 ? c + 32 : c), FNV_PRIME);
  }
  return (h >>> 0) % HASH_BUCKETS;
}

const isUpper = (c: number, ch: string): boolean => (c < 128 ? c >= 65 && c <= 90 : /\p{Lu}/u.test(ch));
const isLetter = (c: number, ch: string): boolean =>
  c < 128 ? (c >= 65 && c <= 90) || (c >= 97 && c <= 122) : /\p{L}/u.test(ch);
const isDigit = (c: number, ch: string): boolean => (c < 128 ? c >= 48 && c <= 57 : /\p{N}/u.test(ch));

/** "Oyelaran" -> "Xx", "07457-1234" -> "d-d", "MRN" -> "X": character classes with repeats collapsed. */
function shape(word: string): string {
  let out = "";
  let last = "";
  const n = Math.min(word.length, MAX_HASHED_CHARS);
  for (let i = 0; i < n; i++) {
    const ch = word[i] as string;
    const code = word.charCodeAt(i);
    const c = isUpper(code, ch) ? "X" : isLetter(code, ch) ? "x" : isDigit(code, ch) ? "d" : ch;
    if (c !== last) out += c;
    last = c;
  }
  return out;
}

const X = 88;
const x = 120;
const D = 100;

/** The `shape` feature of an ASCII word, hashed as it is built: no string per token. */
function hashShapeAscii(word: string): number {
  let h = SALT.shape;
  let last = -1;
  let written = 0;
  const cap = MAX_HASHED_CHARS - 3;
  const n = Math.min(word.length, MAX_HASHED_CHARS);
  for (let i = 0; i < n && written < cap; i++) {
    const code = word.charCodeAt(i);
    const c =
      code >= 65 && code <= 90 ? X : code >= 97 && code <= 122 ? x : code >= 48 && code <= 57 ? D : code;
    if (c !== last) {
      h = Math.imul(h ^ c, FNV_PRIME);
      written++;
    }
    last = c;
  }
  return (h >>> 0) % HASH_BUCKETS;
}

const SALT = {
  word: saltState("w:"),
  cased: saltState("c:"),
  prefix: saltState("p:"),
  suffix3: saltState("s:"),
  suffix4: saltState("s4:"),
  shape: saltState("sh:"),
};

const LENGTH_CLASSES = ["0", "1", "2", "3-4", "5-7", "8-10", "11+"] as const;

function lengthClass(n: number): number {
  return n <= 2 ? n : n <= 4 ? 3 : n <= 7 ? 4 : n <= 10 ? 5 : 6;
}

/** The length/space feature is one of 14 strings: hashed once, indexed by [class * 2 + (space ? 1 : 0)]. */
const LENGTH_FEATURE = LENGTH_CLASSES.flatMap((cls) => [
  hash(`l:${cls}:nosp`, "", 0, 0),
  hash(`l:${cls}:sp`, "", 0, 0),
]);
/** Line start x all-caps: indexed by [lineStart * 2 + allCaps]. */
const LINE_FEATURE = ["b:0:-", "b:0:U", "b:1:-", "b:1:U"].map((b) => hash(b, "", 0, 0));

function hasNewline(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 10) return true;
  return false;
}

const isSpace = (c: number): boolean => c === 32 || c === 10 || c === 9 || c === 13 || c === 160 || c === 12;

/** -1: not ASCII; else bit 0 = has an upper-case letter, bit 1 = has a lower-case letter. */
function asciiCase(w: string): number {
  let flags = 0;
  for (let i = 0; i < w.length; i++) {
    const c = w.charCodeAt(i);
    if (c >= 128) return -1;
    if (c >= 65 && c <= 90) flags |= 1;
    else if (c >= 97 && c <= 122) flags |= 2;
  }
  return flags;
}

/**
 * Row-major [tokens.length x FEATURES_PER_TOKEN] feature ids. `lineStart` features tell the model a token
 * opens a line (headers, table cells and letter address blocks depend on it). ASCII tokens (nearly all) are
 * hashed without building lower-cased or shape strings; other tokens take the general path. Both give the
 * ids the committed model was trained with (test/deid-model.test.ts pins some).
 */
export function featurize(text: string, tokens: readonly Token[]): Int32Array {
  const out = new Int32Array(tokens.length * FEATURES_PER_TOKEN);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    const w = t.text;
    const o = i * FEATURES_PER_TOKEN;
    const prevSpace = t.start === 0 || isSpace(text.charCodeAt(t.start - 1));
    // A token opens a line when the gap since the previous token holds a newline: linear in the text.
    const lineStart = i === 0 || hasNewline(text, (tokens[i - 1] as Token).end, t.start);
    const flags = asciiCase(w);
    let n: number;
    let allCaps: boolean;
    if (flags >= 0) {
      n = w.length;
      allCaps = flags === 1;
      out[o] = hashLowerAscii(SALT.word, 2, w, 0, n);
      out[o + 2] = hashLowerAscii(SALT.prefix, 2, w, 0, Math.min(3, n));
      out[o + 3] = hashLowerAscii(SALT.suffix3, 2, w, Math.max(0, n - 3), n);
      out[o + 4] = hashLowerAscii(SALT.suffix4, 3, w, Math.max(0, n - 4), n);
      out[o + 5] = hashShapeAscii(w);
    } else {
      const lower = w.toLowerCase();
      n = lower.length;
      allCaps = w !== lower && w === w.toUpperCase();
      out[o] = hash("w:", lower, 0, n);
      out[o + 2] = hash("p:", lower, 0, Math.min(3, n));
      out[o + 3] = hash("s:", lower, Math.max(0, n - 3), n);
      out[o + 4] = hash("s4:", lower, Math.max(0, n - 4), n);
      const sh = shape(w);
      out[o + 5] = hash("sh:", sh, 0, sh.length);
    }
    out[o + 1] = hashFrom(SALT.cased, 2, w, 0, w.length);
    out[o + 6] = LENGTH_FEATURE[lengthClass(n) * 2 + (prevSpace ? 1 : 0)] as number;
    out[o + 7] = LINE_FEATURE[(lineStart ? 2 : 0) + (allCaps ? 1 : 0)] as number;
  }
  return out;
}
