/** The dynamic batcher's settings and their validation (BATCH_* variables for the embedded backend). */
export interface BatcherOptions {
  /** Largest batch handed to the executor. 1 disables batching. */
  maxBatchSize: number;
  /** How long the oldest item of a bucket may wait for companions. 0 = dispatch as soon as a slot is free. */
  maxQueueDelayMs: number;
  /** Waiting items over all buckets; more are refused with BackendOverloadedError. */
  maxQueueSize: number;
  /** Batches allowed to run at the same time. */
  concurrency: number;
  /** Called once per dispatched batch, e.g. for a batch-size histogram. */
  onBatch?: (size: number, bucket: number) => void;
  /** Called once per item that leaves the queue for the model, with the time it waited (ms). */
  onSojourn?: (waitedMs: number) => void;
  /** The clock deadlines and delays are read from (performance.now() unless a test drives it). */
  now?: () => number;
}

export function validateBatcherOptions(options: BatcherOptions): void {
  const check = (name: string, value: number, min: number) => {
    if (!Number.isFinite(value) || !Number.isInteger(value) || value < min) {
      throw new Error(`batcher option ${name} must be an integer >= ${min}, got ${String(value)}`);
    }
  };
  check("maxBatchSize", options.maxBatchSize, 1);
  // Fractions of a millisecond are allowed: the delay is compared against performance.now().
  if (!Number.isFinite(options.maxQueueDelayMs) || options.maxQueueDelayMs < 0) {
    throw new Error(
      `batcher option maxQueueDelayMs must be a number >= 0, got ${String(options.maxQueueDelayMs)}`,
    );
  }
  check("maxQueueSize", options.maxQueueSize, 1);
  check("concurrency", options.concurrency, 1);
}
