/** A fake model for the DynamicBatcher tests, and the options and helpers they share. */
import type { BatcherOptions } from "../../src/inference/batcher";

/** A fake model: records every batch it gets and answers each item with `${bucket}:${item}`. */
export function recordingExecutor() {
  const batches: { bucket: number; items: string[] }[] = [];
  let running = 0;
  let maxRunning = 0;
  const gates: (() => void)[] = [];
  let holding = false;
  const executor = async (bucket: number, items: string[]) => {
    batches.push({ bucket, items: [...items] });
    running++;
    maxRunning = Math.max(maxRunning, running);
    if (holding) await new Promise<void>((resolve) => gates.push(resolve));
    else await new Promise((resolve) => setImmediate(resolve));
    running--;
    return items.map((item) => `${bucket}:${item}`);
  };
  return {
    executor,
    batches,
    get maxRunning() {
      return maxRunning;
    },
    /** Batches started from now on wait until release() is called. */
    hold() {
      holding = true;
    },
    release() {
      holding = false;
      for (const open of gates.splice(0)) open();
    },
  };
}

export const defaults: BatcherOptions = {
  maxBatchSize: 4,
  maxQueueDelayMs: 20,
  maxQueueSize: 64,
  concurrency: 1,
};

export const one = (bucket: number, item: string) => [{ bucket, item }];
export const tick = () => new Promise((resolve) => setImmediate(resolve));
