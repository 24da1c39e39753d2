/**
 * BIO labels of the learned detector and the two conversions around the model: gold spans -> one label per
 * token (training data) and per-token scores -> PHI spans (inference).
 */
import { PHI_TYPES, type PhiEntity, type PhiType } from "../contracts";
import type { Token } from "./features";

/** Label 0 is "outside"; then B-/I- for each PHI type, in PHI_TYPES order. */
export const MODEL_LABELS: readonly string[] = ["O", ...PHI_TYPES.flatMap((t) => [`B-${t}`, `I-${t}`])];

const labelType = (label: number): PhiType => PHI_TYPES[(label - 1) >> 1] as PhiType;
const isInside = (label: number): boolean => label > 0 && (label - 1) % 2 === 1;

/** One label per token: a token overlapping a gold span takes its type, B- on the span's first token. */
export function labelTokens(
  tokens: readonly Token[],
  gold: ReadonlyArray<{ type: PhiType; start: number; end: number }>,
): Uint8Array {
  const labels = new Uint8Array(tokens.length);
  const spans = [...gold].sort((a, b) => a.start - b.start);
  let g = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    while (g < spans.length && (spans[g] as { end: number }).end <= t.start) g++;
    const s = spans[g];
    if (!s || s.start >= t.end) continue;
    const base = 1 + 2 * PHI_TYPES.indexOf(s.type);
    const first = i === 0 || (tokens[i - 1] as Token).end <= s.start;
    labels[i] = first ? base : base + 1;
  }
  return labels;
}

/**
 * Turns scores laid out [labels x tokens] (the model's output, one column per token) into spans. A token is
 * PHI when P(outside) < `outsideBelow`; raising it trades precision for recall. Consecutive PHI tokens of one
 * type form one span unless the later one is a B- label.
 */
export function decodeSpans(
  tokens: readonly Token[],
  logits: Float32Array,
  outsideBelow: number,
): PhiEntity[] {
  const n = tokens.length;
  const L = MODEL_LABELS.length;
  if (logits.length !== n * L) {
    throw new Error(`deid-model: expected ${n * L} scores for ${n} tokens, got ${logits.length}`);
  }
  const spans: PhiEntity[] = [];
  let open: PhiEntity | undefined;
  let openScore = 0;
  let openCount = 0;
  const close = (): void => {
    if (open) spans.push({ ...open, score: Number((openScore / openCount).toFixed(3)) });
    open = undefined;
  };
  for (let i = 0; i < n; i++) {
    let max = Number.NEGATIVE_INFINITY;
    for (let l = 0; l < L; l++) max = Math.max(max, logits[l * n + i] as number);
    let sum = 0;
    let best = 1;
    let bestP = -1;
    for (let l = 0; l < L; l++) {
      const p = Math.exp((logits[l * n + i] as number) - max);
      sum += p;
      if (l > 0 && p > bestP) {
        bestP = p;
        best = l;
      }
    }
    const outside = Math.exp((logits[i] as number) - max) / sum;
    const t = tokens[i] as Token;
    if (outside >= outsideBelow) {
      close();
      continue;
    }
    const type = labelType(best);
    if (open && open.type === type && isInside(best)) {
      open.end = t.end;
      openScore += 1 - outside;
      openCount++;
      continue;
    }
    close();
    open = { type, start: t.start, end: t.end, score: 0 };
    openScore = 1 - outside;
    openCount = 1;
  }
  close();
  return spans;
}
