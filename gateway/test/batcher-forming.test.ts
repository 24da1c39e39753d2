import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DynamicBatcher } from "../src/inference/batcher";
import { defaults, one, recordingExecutor, tick } from "./support/batcher-fake";

describe("DynamicBatcher: forming batches", () => {
  test("concurrent submits to one bucket are run as one batch", async () => {
    const fake = recordingExecutor();
    const batcher = new DynamicBatcher(fake.executor, { ...defaults, maxQueueDelayMs: 50 });
    const results = await Promise.all(["a", "b", "c"].map((t) => batcher.submit(one(16, t))));
    assert.deepEqual(results, [["16:a"], ["16:b"], ["16:c"]]);
    assert.deepEqual(fake.batches, [{ bucket: 16, items: ["a", "b", "c"] }]);
  });

  test("a full bucket is dispatched at once, without waiting for the queue delay", async () => {
    const fake = recordingExecutor();
    // A delay far longer than the test timeout: the batch can only have run because the bucket filled up.
    const batcher = new DynamicBatcher(fake.executor, {
      ...defaults,
      maxBatchSize: 3,
      maxQueueDelayMs: 600_000,
    });
    const results = await Promise.all(["a", "b", "c"].map((t) => batcher.submit(one(32, t))));
    assert.deepEqual(results.flat(), ["32:a", "32:b", "32:c"]);
    assert.equal(fake.batches.length, 1);
  });

  test("a bucket that never fills is dispatched once its oldest item has waited the queue delay", async () => {
    const fake = recordingExecutor();
    const batcher = new DynamicBatcher(fake.executor, { ...defaults, maxBatchSize: 8, maxQueueDelayMs: 250 });
    const pending = Promise.all([batcher.submit(one(16, "a")), batcher.submit(one(16, "b"))]);
    await tick();
    assert.equal(fake.batches.length, 0, "nothing runs before the delay when the bucket is not full");
    assert.equal(batcher.stats().queueDepth, 2);
    assert.deepEqual(await pending, [["16:a"], ["16:b"]]);
    assert.deepEqual(fake.batches, [{ bucket: 16, items: ["a", "b"] }]);
  });

  test("texts of different buckets never share a batch", async () => {
    const fake = recordingExecutor();
    const batcher = new DynamicBatcher(fake.executor, defaults);
    await Promise.all([
      batcher.submit(one(16, "a")),
      batcher.submit(one(64, "b")),
      batcher.submit(one(16, "c")),
    ]);
    const byBucket = new Map(fake.batches.map((b) => [b.bucket, b.items]));
    assert.deepEqual(byBucket.get(16), ["a", "c"]);
    assert.deepEqual(byBucket.get(64), ["b"]);
    for (const batch of fake.batches) assert.ok(batch.items.length <= defaults.maxBatchSize);
  });

  test("a multi-text request gets its results in input order even when its texts land in different batches", async () => {
    const fake = recordingExecutor();
    const batcher = new DynamicBatcher(fake.executor, { ...defaults, maxBatchSize: 2, maxQueueDelayMs: 0 });
    const entries = [
      { bucket: 64, item: "x" },
      { bucket: 16, item: "y" },
      { bucket: 16, item: "z" },
      { bucket: 16, item: "w" },
      { bucket: 128, item: "v" },
    ];
    assert.deepEqual(await batcher.submit(entries), ["64:x", "16:y", "16:z", "16:w", "128:v"]);
    assert.ok(fake.batches.length >= 4, "three buckets and a bucket of three texts with max batch 2");
  });

  test("items keep queueing while the executor is busy, so the next batch is larger", async () => {
    const fake = recordingExecutor();
    const batcher = new DynamicBatcher(fake.executor, { ...defaults, maxBatchSize: 8, maxQueueDelayMs: 0 });
    fake.hold();
    const first = batcher.submit(one(16, "first"));
    await tick();
    const rest = ["b", "c", "d"].map((t) => batcher.submit(one(16, t)));
    await tick();
    assert.equal(batcher.stats().queueDepth, 3);
    fake.release();
    await Promise.all([first, ...rest]);
    assert.deepEqual(
      fake.batches.map((b) => b.items.length),
      [1, 3],
    );
  });

  test("no more batches run at once than the configured concurrency", async () => {
    const fake = recordingExecutor();
    const batcher = new DynamicBatcher(fake.executor, {
      ...defaults,
      maxBatchSize: 1,
      maxQueueDelayMs: 0,
      concurrency: 2,
    });
    await Promise.all(["a", "b", "c", "d", "e", "f"].map((t) => batcher.submit(one(16, t))));
    assert.equal(fake.maxRunning, 2);
    assert.equal(fake.batches.length, 6);
  });

  test("with batching disabled (max batch size 1) every text runs alone", async () => {
    const fake = recordingExecutor();
    const batcher = new DynamicBatcher(fake.executor, { ...defaults, maxBatchSize: 1, maxQueueDelayMs: 0 });
    const results = await Promise.all(["a", "b", "c", "d"].map((t) => batcher.submit(one(16, t))));
    assert.deepEqual(results.flat(), ["16:a", "16:b", "16:c", "16:d"]);
    assert.deepEqual(
      fake.batches.map((b) => b.items.length),
      [1, 1, 1, 1],
    );
  });

  test("stats and the onBatch hook count batches and batched texts", async () => {
    const fake = recordingExecutor();
    const seen: [number, number][] = [];
    const batcher = new DynamicBatcher(fake.executor, {
      ...defaults,
      maxBatchSize: 2,
      maxQueueDelayMs: 600_000,
      onBatch: (size, bucket) => seen.push([size, bucket]),
    });
    await Promise.all(["a", "b", "c", "d"].map((t) => batcher.submit(one(16, t))));
    assert.deepEqual(seen, [
      [2, 16],
      [2, 16],
    ]);
    assert.deepEqual(batcher.stats(), { queueDepth: 0, batches: 2, batchedItems: 4 });
  });

  test("invalid options are rejected with the option's name", () => {
    const noop = async () => [];
    assert.throws(() => new DynamicBatcher(noop, { ...defaults, maxBatchSize: 0 }), /maxBatchSize/);
    assert.throws(() => new DynamicBatcher(noop, { ...defaults, maxQueueDelayMs: -1 }), /maxQueueDelayMs/);
    assert.throws(() => new DynamicBatcher(noop, { ...defaults, concurrency: 1.5 }), /concurrency/);
  });
});
