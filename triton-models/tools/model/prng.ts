/**
 * Deterministic pseudo-random numbers for synthetic weights.
 *
 * Only integer arithmetic and float additions/multiplications are used (no Math.log/cos), so the same seed gives
 * the same bits on every platform and Node version: the generated model.onnx is byte-for-byte reproducible.
 */

/** 32-bit FNV-1a of a string: derives an independent stream per tensor from its name. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, "utf8")) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** Mulberry32: a small, well-mixed 32-bit generator; returns uniforms in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Approximately standard-normal samples: Irwin-Hall sum of four uniforms, centred and scaled to unit variance.
 * Bounded in [-2*sqrt(3), 2*sqrt(3)], which is what we want for initial weights anyway (no far outliers).
 */
export function normalStream(seed: number, tensorName: string): () => number {
  const uniform = mulberry32((seed ^ fnv1a32(tensorName)) >>> 0);
  const scale = Math.sqrt(3);
  return () => (uniform() + uniform() + uniform() + uniform() - 2) * scale;
}
