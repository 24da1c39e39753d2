/**
 * Rewriting: each detected span is replaced according to its type's operator. Surrogate numbers are stable
 * within one document; hashes are keyed (HMAC-SHA256) so equal values link across documents only for holders
 * of the key; date shifting uses one keyed offset per document so intervals between dates are preserved.
 */
import { createHmac } from "node:crypto";
import type { DeidConfig, DeidOperator, PhiType } from "../contracts";
import { shiftDate } from "./date-render";
import { RESTRICTED_ZIP3 } from "./lexicon";
import type { Span } from "./span";

/** Hex characters of the HMAC kept in a hash tag: 64 bits, enough to avoid collisions within a corpus. */
const HASH_HEX_CHARS = 16;

export function hmacHex(key: Uint8Array, message: string): string {
  return createHmac("sha256", key).update(message, "utf8").digest("hex");
}

/**
 * The per-document shift in days: in [-max, -1] or [1, max], derived from the key and a seed that is stable
 * for the document (its first medical record number, else its confidently found names, else its text).
 */
export function shiftDays(key: Uint8Array, seed: string, maxShiftDays: number): number {
  const digest = createHmac("sha256", key).update(`date-shift\u0000${seed}`, "utf8").digest();
  const magnitude = (digest.readUInt32BE(0) % maxShiftDays) + 1;
  return (digest[4] as number) & 1 ? magnitude : -magnitude;
}

function normalise(type: PhiType, value: string): string {
  const v = value.trim().replace(/\s+/g, " ").toLowerCase();
  return type === "NAME" ? v.replace(/[.,]/g, "").replace(/['’]s$/, "") : v;
}

/** ZIP under Safe Harbor: at most the first three digits, "000" for sparsely populated prefixes. */
export function generaliseZip(zip: string): string {
  const zip3 = zip.slice(0, 3);
  return `${RESTRICTED_ZIP3.has(zip3) ? "000" : zip3}**`;
}

function mask(value: string): string {
  // Letters and digits become "*"; separators stay so the layout of the note survives.
  return value.replace(/[\p{L}\p{N}]/gu, "*");
}

class SurrogateNumbers {
  private readonly byKey = new Map<string, number>();
  private readonly nameParts = new Map<string, number>();
  private readonly next = new Map<PhiType, number>();

  numberFor(type: PhiType, value: string): number {
    const key = `${type}\u0000${normalise(type, value)}`;
    const known = this.byKey.get(key);
    if (known !== undefined) return known;
    let id: number | undefined;
    const parts = type === "NAME" ? normalise(type, value).split(" ") : [];
    // "Smith" after "John Smith": the same person within this note. Multi-word names reuse only exact matches.
    if (parts.length === 1) id = this.nameParts.get(parts[0] as string);
    if (id === undefined) {
      id = (this.next.get(type) ?? 0) + 1;
      this.next.set(type, id);
    }
    this.byKey.set(key, id);
    for (const p of parts) if (p.length > 1 && !this.nameParts.has(p)) this.nameParts.set(p, id);
    return id;
  }
}

export interface RewriteContext {
  config: DeidConfig;
  shift: number;
  surrogates: SurrogateNumbers;
}

export function newRewriteContext(config: DeidConfig, shift: number): RewriteContext {
  return { config, shift, surrogates: new SurrogateNumbers() };
}

export function operatorFor(config: DeidConfig, type: PhiType): DeidOperator {
  return config.operators[type] ?? config.defaultOperator;
}

/** The replacement text for one span. */
export function rewriteSpan(s: Span, value: string, ctx: RewriteContext): string {
  const op = operatorFor(ctx.config, s.type);
  switch (op) {
    case "redact":
      return "";
    case "mask":
      return mask(value);
    case "hash":
      return `[${s.type}:${hmacHex(ctx.config.key, `${s.type}\u0000${normalise(s.type, value)}`).slice(0, HASH_HEX_CHARS)}]`;
    case "surrogate":
      return `[${s.type}_${ctx.surrogates.numberFor(s.type, value)}]`;
    case "shift":
      if (s.type === "DATE" && s.date) return shiftDate(s.date, ctx.shift);
      return replacement(s.type, value);
    case "replace":
      return replacement(s.type, value);
  }
}

/** `replace`: a type tag, except where Safe Harbor prescribes the generalised form (ages, ZIP codes). */
function replacement(type: PhiType, value: string): string {
  if (type === "AGE") return "90+";
  if (type === "ZIP") return generaliseZip(value);
  return `[${type}]`;
}
