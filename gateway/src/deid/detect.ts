/**
 * The detector: prepares the document once, runs every registered recognizer over it, drops clinical
 * look-alikes, resolves overlaps, then a second pass finds every other mention of a confidently found name or
 * identifier, and strict mode sweeps leftover long digit runs. Offsets always index the original text.
 */
import { dateRecognizer } from "./dates";
import { type DeidDocument, inLookalike, prepareDocument } from "./document";
import { nameRecognizer } from "./names";
import { type Normalised, normaliseForDetection, toOriginal } from "./normalize";
import { RecognizerRegistry } from "./recognizer";
import { resolveOverlaps } from "./resolve";
import { secondPass } from "./second-pass";
import { type Span, span } from "./span";
import { STRUCTURED_RECOGNIZERS } from "./structured";

export interface DetectOptions {
  /** Also report digit runs of 5+ characters that no recognizer explained and that are not look-alikes. */
  strict?: boolean;
  /** Redact every other mention of a confidently found name or identifier (default true). */
  secondPass?: boolean;
  /** Drop spans scored below this (default 0: report everything found). */
  minScore?: number;
}

/** The built-in recognizers, in run order. */
export function defaultRegistry(): RecognizerRegistry {
  return new RecognizerRegistry([...STRUCTURED_RECOGNIZERS, dateRecognizer, nameRecognizer]);
}

const DEFAULT_REGISTRY = defaultRegistry();

const STRICT_DIGITS = /(?<!\d)\d{5,}(?!\d)/g;

/**
 * A date, number or dictionary word inside a clinical look-alike ("BP 128/82", "Na 138") is clinical content.
 * Ages are exempt: the age patterns need explicit age wording ("93 years old", "aged 91"), and the duration
 * look-alike ("for 3 years") would otherwise swallow every "NN years old".
 */
function clinicalLookalike(doc: DeidDocument, c: Span): boolean {
  return (
    (c.type === "DATE" || c.type === "ZIP" || c.type === "ID" || (c.type === "NAME" && c.score < 0.9)) &&
    inLookalike(doc, c.start, c.end)
  );
}

function isFree(covered: Uint8Array, start: number, end: number): boolean {
  for (let k = start; k < end; k++) if (covered[k] === 1) return false;
  return true;
}

function strictDigitRuns(doc: DeidDocument, covered: Uint8Array): Span[] {
  const { text } = doc;
  const extra: Span[] = [];
  STRICT_DIGITS.lastIndex = 0;
  for (let m = STRICT_DIGITS.exec(text); m !== null; m = STRICT_DIGITS.exec(text)) {
    const end = m.index + m[0].length;
    if (inLookalike(doc, m.index, end)) continue;
    if (isFree(covered, m.index, end)) extra.push(span("ID", m.index, end, 0.3));
  }
  return extra;
}

/** Everything after the recognizers: the same for synchronous and asynchronous registries. */
function finish(doc: DeidDocument, candidates: readonly Span[], options: DetectOptions): Span[] {
  const length = doc.text.length;
  const filtered = candidates.filter((c) => !clinicalLookalike(doc, c));
  const covered = new Uint8Array(length);
  let kept = resolveOverlaps(filtered, doc.text, covered);
  if (options.secondPass !== false) {
    const more = secondPass(doc, kept, covered);
    if (more.length > 0) kept = kept.concat(resolveOverlaps(more, doc.text, covered));
  }
  if (options.strict) {
    const extra = strictDigitRuns(doc, covered);
    if (extra.length > 0) kept = kept.concat(resolveOverlaps(extra, doc.text, covered));
  }
  const min = options.minScore ?? 0;
  return kept.filter((s) => s.score >= min).sort((a, b) => a.start - b.start);
}

/** Spans found on the normalised text, on the original's offsets (the mapping is monotonic: no new overlaps). */
function onOriginal(n: Normalised, spans: Span[]): Span[] {
  if (n.original === undefined) return spans;
  return spans.map((s) => {
    const [start, end] = toOriginal(n, s.start, s.end);
    return { ...s, start, end };
  });
}

/** Finds PHI with the built-in recognizers, or with `registry` when it holds only synchronous ones. */
export function detect(
  text: string,
  options: DetectOptions = {},
  registry: RecognizerRegistry = DEFAULT_REGISTRY,
): Span[] {
  const n = normaliseForDetection(text);
  const doc = prepareDocument(n.text);
  return onOriginal(n, finish(doc, registry.find(doc), options));
}

/** As `detect`, for registries that hold an asynchronous recognizer (a model-based one). */
export async function detectAsync(
  text: string,
  options: DetectOptions = {},
  registry: RecognizerRegistry = DEFAULT_REGISTRY,
): Promise<Span[]> {
  const n = normaliseForDetection(text);
  const doc = prepareDocument(n.text);
  return onOriginal(n, finish(doc, await registry.findAsync(doc), options));
}
