/**
 * Model compute per request, from the architecture and the padded sequence length actually sent.
 * One multiply-add counts as 2 FLOPs. Element-wise work (softmax, LayerNorm, GELU, residuals) and embedding
 * look-ups are left out: they are well under 1% of the matrix products at these shapes.
 */

export interface TransformerShape {
  /** Hidden width (DistilBERT base: 768). */
  dim: number;
  layers: number;
  heads: number;
  /** Feed-forward inner width (base: 3072). */
  ffn: number;
  numLabels: number;
}

/** FLOPs for one sequence of padded length `seqLen` through the encoder and the classification head. */
export function flopsPerSequence(shape: TransformerShape, seqLen: number): number {
  const { dim: d, layers, ffn: f, numLabels } = shape;
  const L = seqLen;
  const projections = 4 * 2 * L * d * d; // Q, K, V and output projections
  const attention = 2 * 2 * L * L * d; // Q·Kᵀ and softmax(…)·V, summed over heads
  const feedForward = 2 * 2 * L * d * f; // up and down projections
  const perLayer = projections + attention + feedForward;
  // The head reads the [CLS] position only: pre-classifier (d×d) then classifier (d×labels).
  const head = 2 * d * d + 2 * d * numLabels;
  return layers * perLayer + head;
}

/** Mean GFLOPs per request over a workload, given each request's padded length. */
export function meanGflopsPerRequest(shape: TransformerShape, paddedLengths: readonly number[]): number {
  if (paddedLengths.length === 0) return Number.NaN;
  let total = 0;
  for (const L of paddedLengths) total += flopsPerSequence(shape, L);
  return total / paddedLengths.length / 1e9;
}
