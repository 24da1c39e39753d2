/**
 * BIO labels of the learned detector and the two conversions around the model: gold spans -> one label per
 * token (training data) and per-token scores -> PHI spans (inference).
 */
import { PHI_TYPES, type PhiEntity, type PhiType } from "../contracts";
import type { Token } from "./features";

/** Label 0 is "outside"; then B-/I- for each PHI type, in PHI_TYPES order. */
export const MODEL_LABELS: readonly string[] = ["O", ...PHI_TYPES.flatMap((t) => [`B-${t}`, `I-${t}`])];

/** Logit margin over "outside" beyond which a token is PHI at any threshold above 1e-5 (e^-12 < 7e-6). */
const SURE = 12;

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
  // Most tokens are plainly outside: P(outside) >= 1 / (1 + (L - 1) * e^(best other - outside)), so when
  // the best other label trails "outside" by more than this margin no exponential is needed. The small slack
  // keeps rounding from deciding a token the exact computation below would decide the other way. The best
  // other label is found row by row (the layout is [labels x tokens]): sequential reads.
  const others = 1 / outsideBelow - 1;
  const margin = others > 0 ? Math.log(others / (L - 1)) - 1e-3 : Number.NEGATIVE_INFINITY;
  const bestOther = logits.slice(n, 2 * n);
  const bestLabel = new Uint8Array(n).fill(1);
  for (let l = 2; l < L; l++) {
    const row = l * n;
    for (let i = 0; i < n; i++) {
      const v = logits[row + i] as number;
      if (v > (bestOther[i] as number)) {
        bestOther[i] = v;
        bestLabel[i] = l;
      }
    }
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
    const o = logits[i] as number;
    const other = bestOther[i] as number;
    if (other - o < margin) {
      close();
      continue;
    }
    let outside: number;
    if (other - o > SURE && outsideBelow > 1e-5) {
      // Plainly PHI: P(outside) <= e^(outside - best) < 7e-6, far below any threshold; that bound stands in
      // for the exact value in the span's score (a difference under 1e-5).
      outside = Math.exp(o - other);
    } else {
      const max = Math.max(other, o);
      let sum = 0;
      for (let l = 0; l < L; l++) sum += Math.exp((logits[l * n + i] as number) - max);
      outside = Math.exp(o - max) / sum;
    }
    const t = tokens[i] as Token;
    if (outside >= outsideBelow) {
      close();
      continue;
    }
    const best = bestLabel[i] as number;
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
