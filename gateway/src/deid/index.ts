/**
 * PHI de-identification (HIPAA Safe Harbor) for the gateway: `detect` finds identifiers, `createDeidentifier`
 * rewrites them with the configured operators. Pure functions over strings; no I/O after the name
 * dictionaries are loaded once.
 */
import {
  DEID_OPERATORS,
  type DeidConfig,
  type Deidentifier,
  type DeidentifyResult,
  type DeidOperator,
  PHI_TYPES,
  type PhiEntity,
  type PhiType,
} from "../contracts";
import { type DetectOptions, detect, detectAsync } from "./detect";
import { nameDictionaries } from "./dictionaries";
import { newRewriteContext, operatorFor, rewriteSpan, shiftDays } from "./operators";
import type { RecognizerRegistry } from "./recognizer";
import type { Span } from "./span";

export { type DetectOptions, defaultRegistry, detect, detectAsync } from "./detect";
export type { DeidDocument } from "./document";
export { generaliseZip, shiftDays } from "./operators";
export { type AnyRecognizer, type AsyncRecognizer, type Recognizer, RecognizerRegistry } from "./recognizer";
export type { Span } from "./span";

export { DEID_OPERATORS };

/** Smallest accepted key: a keyed hash or shift with a short key could be brute-forced. */
export const MIN_KEY_BYTES = 16;

/** Throws an Error naming the offending field and the fix; never echoes the key. */
export function validateDeidConfig(config: DeidConfig): void {
  if (!DEID_OPERATORS.includes(config.defaultOperator)) {
    throw new Error(
      `deid config: defaultOperator "${String(config.defaultOperator)}" is not one of ${DEID_OPERATORS.join(", ")}`,
    );
  }
  for (const [type, op] of Object.entries(config.operators)) {
    if (!(PHI_TYPES as readonly string[]).includes(type)) {
      throw new Error(
        `deid config: operators has unknown type "${type}"; known types: ${PHI_TYPES.join(", ")}`,
      );
    }
    if (!DEID_OPERATORS.includes(op as DeidOperator)) {
      throw new Error(
        `deid config: operator for ${type} "${String(op)}" is not one of ${DEID_OPERATORS.join(", ")}`,
      );
    }
  }
  if (!(config.key instanceof Uint8Array) || config.key.length < MIN_KEY_BYTES) {
    throw new Error(
      `deid config: key must be at least ${MIN_KEY_BYTES} random bytes (set DEID_KEY_FILE to a file holding them)`,
    );
  }
  if (!Number.isInteger(config.maxShiftDays) || config.maxShiftDays < 1 || config.maxShiftDays > 3650) {
    throw new Error("deid config: maxShiftDays must be an integer between 1 and 3650");
  }
}

/**
 * Parses "DATE=shift,NAME=surrogate" (the DEID_OPERATORS variable) into a per-type operator map.
 * Throws a readable error naming the bad entry.
 */
export function parseOperatorSpec(spec: string): Partial<Record<PhiType, DeidOperator>> {
  const operators: Partial<Record<PhiType, DeidOperator>> = {};
  for (const raw of spec.split(",")) {
    const entry = raw.trim();
    if (entry === "") continue;
    const [type, op, extra] = entry.split("=").map((p) => p.trim());
    if (!type || !op || extra !== undefined) {
      throw new Error(`DEID_OPERATORS: entry "${entry}" must look like TYPE=operator, e.g. DATE=shift`);
    }
    const upper = type.toUpperCase();
    if (!(PHI_TYPES as readonly string[]).includes(upper)) {
      throw new Error(`DEID_OPERATORS: unknown type "${type}"; known types: ${PHI_TYPES.join(", ")}`);
    }
    if (!DEID_OPERATORS.includes(op as DeidOperator)) {
      throw new Error(
        `DEID_OPERATORS: unknown operator "${op}" for ${upper}; use one of ${DEID_OPERATORS.join(", ")}`,
      );
    }
    operators[upper as PhiType] = op as DeidOperator;
  }
  return operators;
}

/** A document-stable seed for the date shift: the patient's record number, else their names, else the text. */
function shiftSeed(text: string, spans: readonly Span[]): string {
  const mrn = spans.find((s) => s.type === "MRN");
  if (mrn) return `mrn:${text.slice(mrn.start, mrn.end)}`;
  const names = [
    ...new Set(
      spans
        .filter((s) => s.type === "NAME" && s.score >= 0.8)
        .map((s) => text.slice(s.start, s.end).toLowerCase()),
    ),
  ].sort();
  if (names.length > 0) return `names:${names.join("|")}`;
  return `text:${text}`;
}

export interface DeidentifierOptions extends Omit<DetectOptions, "strict"> {
  /** The recognizers to run (default: the built-in rules); one with the learned model needs deidentifyAsync. */
  registry?: RecognizerRegistry;
}

export function createDeidentifier(config: DeidConfig, options: DeidentifierOptions = {}): Deidentifier {
  validateDeidConfig(config);
  nameDictionaries(); // load now so a missing data file fails at startup, not on the first request
  const { registry, ...detectOptions } = options;
  const needsShift = config.defaultOperator === "shift" || Object.values(config.operators).includes("shift");
  const rewrite = (text: string, spans: readonly Span[]): DeidentifyResult => {
    const shift =
      needsShift && operatorFor(config, "DATE") === "shift"
        ? shiftDays(config.key, shiftSeed(text, spans), config.maxShiftDays)
        : 0;
    const ctx = newRewriteContext(config, shift);
    const parts: string[] = [];
    const entities: PhiEntity[] = [];
    const counts: Partial<Record<PhiType, number>> = {};
    let at = 0;
    for (const s of spans) {
      parts.push(text.slice(at, s.start), rewriteSpan(s, text.slice(s.start, s.end), ctx));
      at = s.end;
      entities.push({ type: s.type, start: s.start, end: s.end, score: s.score });
      counts[s.type] = (counts[s.type] ?? 0) + 1;
    }
    parts.push(text.slice(at));
    return { text: parts.join(""), entities, counts };
  };
  const checked = (text: string): DetectOptions => {
    if (typeof text !== "string") throw new TypeError("deidentify: text must be a string");
    return { ...detectOptions, strict: config.strict };
  };
  return {
    deidentify: (text) => rewrite(text, detect(text, checked(text), registry)),
    deidentifyAsync: async (text) => rewrite(text, await detectAsync(text, checked(text), registry)),
  };
}
