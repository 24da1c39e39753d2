/** DistilBERT shapes the generator can build. `base` is the real distilbert-base-uncased shape. */
export interface DistilBertShape {
  vocabSize: number;
  hiddenSize: number;
  layers: number;
  heads: number;
  ffnSize: number;
  maxPositions: number;
  labels: number;
}

export const MODEL_SIZES = {
  /** For tests: the full bert-base-uncased vocabulary (the tokenizer is shared) with a narrow, shallow body. */
  tiny: { vocabSize: 30522, hiddenSize: 32, layers: 2, heads: 2, ffnSize: 64, maxPositions: 512, labels: 2 },
  /** distilbert-base-uncased: 66,955,010 parameters, the same compute as the fine-tuned SST-2 model. */
  base: {
    vocabSize: 30522,
    hiddenSize: 768,
    layers: 6,
    heads: 12,
    ffnSize: 3072,
    maxPositions: 512,
    labels: 2,
  },
} as const satisfies Record<string, DistilBertShape>;

export type ModelSize = keyof typeof MODEL_SIZES;

export function isModelSize(value: string): value is ModelSize {
  return Object.hasOwn(MODEL_SIZES, value);
}

/** Parameter count of the graph built by distilbert-graph.ts for this shape. */
export function parameterCount(s: DistilBertShape): number {
  const d = s.hiddenSize;
  const embeddings = s.vocabSize * d + s.maxPositions * d + 2 * d;
  const perLayer = 4 * (d * d + d) + 2 * (2 * d) + (d * s.ffnSize + s.ffnSize) + (s.ffnSize * d + d);
  const head = d * d + d + d * s.labels + s.labels;
  return embeddings + s.layers * perLayer + head;
}

/**
 * Multiply-add FLOPs (2 per MAC) per token. `linear` covers the dense projections and does not depend on the
 * sequence length; attention adds `attentionPerPosition` for every position the token attends to (QK^T and AV).
 */
export function flopsPerToken(s: DistilBertShape): { linear: number; attentionPerPosition: number } {
  const d = s.hiddenSize;
  return {
    linear: 2 * s.layers * (4 * d * d + 2 * d * s.ffnSize),
    attentionPerPosition: 2 * s.layers * 2 * d,
  };
}
