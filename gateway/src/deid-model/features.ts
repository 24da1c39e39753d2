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

/** FNV-1a over `salt` then text[from, to), the whole capped at MAX_HASHED_CHARS code units; no allocation. */
function hash(salt: string, text: string, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < salt.length; i++) {
    h ^= salt.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  const end = Math.min(to, from + MAX_HASHED_CHARS - salt.length);
  for (let i = from; i < end; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
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

function lengthClass(n: number): string {
  return n <= 2 ? String(n) : n <= 4 ? "3-4" : n <= 7 ? "5-7" : n <= 10 ? "8-10" : "11+";
}

function hasNewline(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 10) return true;
  return false;
}

const isSpace = (c: number): boolean => c === 32 || c === 10 || c === 9 || c === 13 || c === 160 || c === 12;

/**
 * Row-major [tokens.length x FEATURES_PER_TOKEN] feature ids. `lineStart` features tell the model a token
 * opens a line (headers, table cells and letter address blocks depend on it).
 */
export function featurize(text: string, tokens: readonly Token[]): Int32Array {
  const out = new Int32Array(tokens.length * FEATURES_PER_TOKEN);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    const w = t.text;
    const lower = w.toLowerCase();
    const n = lower.length;
    const prevSpace = t.start === 0 || isSpace(text.charCodeAt(t.start - 1));
    // A token opens a line when the gap since the previous token holds a newline: linear in the text.
    const lineStart = i === 0 || hasNewline(text, (tokens[i - 1] as Token).end, t.start);
    const allCaps = w !== lower && w === w.toUpperCase();
    const o = i * FEATURES_PER_TOKEN;
    out[o] = hash("w:", lower, 0, n);
    out[o + 1] = hash("c:", w, 0, w.length);
    out[o + 2] = hash("p:", lower, 0, Math.min(3, n));
    out[o + 3] = hash("s:", lower, Math.max(0, n - 3), n);
    out[o + 4] = hash("s4:", lower, Math.max(0, n - 4), n);
    const sh = shape(w);
    out[o + 5] = hash("sh:", sh, 0, sh.length);
    const len = `l:${lengthClass(n)}:${prevSpace ? "sp" : "nosp"}`;
    out[o + 6] = hash(len, "", 0, 0);
    out[o + 7] = hash(lineStart ? (allCaps ? "b:1:U" : "b:1:-") : allCaps ? "b:0:U" : "b:0:-", "", 0, 0);
  }
  return out;
}
