/** From logits to the contract's Prediction. Labels follow the SST-2 head: 0 = NEGATIVE, 1 = POSITIVE. */
import type { Prediction, SentimentLabel } from "../contracts";

export const LABELS: readonly SentimentLabel[] = ["NEGATIVE", "POSITIVE"];

/** Numerically stable two-class softmax; returns the winning label and its probability. */
export function predictionFromLogits(negative: number, positive: number, truncated: boolean): Prediction {
  if (!Number.isFinite(negative) || !Number.isFinite(positive)) {
    throw new Error("model returned non-finite logits");
  }
  const max = Math.max(negative, positive);
  const en = Math.exp(negative - max);
  const ep = Math.exp(positive - max);
  const pPositive = ep / (en + ep);
  return positive > negative
    ? { label: "POSITIVE", score: pPositive, truncated }
    : { label: "NEGATIVE", score: 1 - pPositive, truncated };
}

/** Splits a flat [batch, 2] FP32 buffer into predictions. */
export function predictionsFromLogits(
  logits: ArrayLike<number>,
  batchSize: number,
  truncated: readonly boolean[],
): Prediction[] {
  if (logits.length !== batchSize * LABELS.length) {
    throw new Error(`expected ${batchSize}x${LABELS.length} logits, got ${logits.length} values`);
  }
  const out: Prediction[] = [];
  for (let i = 0; i < batchSize; i++) {
    out.push(
      predictionFromLogits(logits[2 * i] as number, logits[2 * i + 1] as number, truncated[i] === true),
    );
  }
  return out;
}

/**
 * Row-major [batch, bucket] INT64 tensors for a batch of token-id lists: ids padded with padId, attention mask
 * 1 for real tokens and 0 for padding (the model ignores padded positions through the mask).
 */
export function buildInputTensors(
  rows: readonly (readonly number[])[],
  bucket: number,
  padId: number,
): { inputIds: BigInt64Array; attentionMask: BigInt64Array } {
  const inputIds = new BigInt64Array(rows.length * bucket);
  const attentionMask = new BigInt64Array(rows.length * bucket);
  const pad = BigInt(padId);
  rows.forEach((ids, r) => {
    if (ids.length > bucket) throw new Error(`row of ${ids.length} tokens does not fit bucket ${bucket}`);
    const base = r * bucket;
    for (let c = 0; c < bucket; c++) {
      if (c < ids.length) {
        inputIds[base + c] = BigInt(ids[c] as number);
        attentionMask[base + c] = 1n;
      } else {
        inputIds[base + c] = pad;
      }
    }
  });
  return { inputIds, attentionMask };
}
