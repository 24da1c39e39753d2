/**
 * Sequence-length buckets.
 *
 * Why buckets: Triton's dynamic batcher (and our own embedded batcher) can only stack requests whose tensors
 * have the same shape, so two texts of 9 and 14 tokens can share a batch only if both are padded to one length.
 * Padding everything to the model maximum (512) would make every batch the same shape but multiply the compute
 * of a typical 20-token clinical sentence by ~25x. A small ascending set of lengths (16/32/64/...) bounds both
 * costs: padding waste is under 2x per request, and the number of distinct shapes — each one a separate queue,
 * warm-up run and (with TensorRT) engine profile — stays at a handful.
 */

/** Checks an ascending list of bucket lengths whose last entry is the model's maximum sequence length. */
export function validateBuckets(buckets: readonly number[], modelMaxLength?: number): number[] {
  if (buckets.length === 0) {
    throw new Error("SEQUENCE_BUCKETS must list at least one length, e.g. 16,32,64,128,256,512");
  }
  let previous = 0;
  for (const b of buckets) {
    if (!Number.isInteger(b) || b < 2) {
      throw new Error(
        `SEQUENCE_BUCKETS entry ${String(b)} is not an integer >= 2 (room for [CLS] and [SEP])`,
      );
    }
    if (b <= previous) {
      throw new Error(`SEQUENCE_BUCKETS must be strictly ascending; ${b} follows ${previous}`);
    }
    previous = b;
  }
  if (modelMaxLength !== undefined && previous !== modelMaxLength) {
    throw new Error(
      `SEQUENCE_BUCKETS must end at the model's maximum sequence length ${modelMaxLength}, but the last bucket is ${previous}`,
    );
  }
  return [...buckets];
}

/** Parses a comma-separated list such as "16,32,64,128,256,512". */
export function parseBuckets(text: string, modelMaxLength?: number): number[] {
  const parts = text
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  const values = parts.map((p) => {
    if (!/^\d+$/.test(p)) {
      throw new Error(`SEQUENCE_BUCKETS entry "${p}" is not a positive integer`);
    }
    return Number(p);
  });
  return validateBuckets(values, modelMaxLength);
}

/** The smallest bucket that holds `length` tokens. Callers truncate to the last bucket first. */
export function bucketFor(length: number, buckets: readonly number[]): number {
  for (const b of buckets) {
    if (length <= b) return b;
  }
  throw new Error(
    `sequence of ${length} tokens exceeds the largest bucket ${buckets[buckets.length - 1]}; it should have been truncated`,
  );
}

/**
 * Positions of items grouped by their bucket, each group cut into chunks of at most `chunkSize`: one chunk is
 * one batch of identical shape.
 */
export function chunksByBucket(
  buckets: readonly number[],
  chunkSize: number,
): { bucket: number; indices: number[] }[] {
  const groups = new Map<number, number[]>();
  buckets.forEach((bucket, i) => {
    const group = groups.get(bucket) ?? [];
    group.push(i);
    groups.set(bucket, group);
  });
  const chunks: { bucket: number; indices: number[] }[] = [];
  for (const [bucket, indices] of groups) {
    for (let start = 0; start < indices.length; start += chunkSize) {
      chunks.push({ bucket, indices: indices.slice(start, start + chunkSize) });
    }
  }
  return chunks;
}
