import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BackendOverloadedError, BackendUnavailableError } from "../src/contracts";
import { type BatcherOptions, DynamicBatcher } from "../src/inference/batcher";
import type { DeadlineExceededError } from "../src/limits/deadline-exceeded";

/** A fake model: records every batch it gets and answers each item with `${bucket}:${item}`. */
function recordingExecutor() {
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

const defaults: BatcherOptions = { maxBatchSize: 4, maxQueueDelayMs: 20, maxQueueSize: 64, concurrency: 1 };

const one = (bucket: number, item: string) => [{ bucket, item }];
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("DynamicBatcher", () => {
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

  test("submits past the queue bound are refused with BackendOverloadedError", async () => {
    const fake = recordingExecutor();
    const batcher = new DynamicBatcher(fake.executor, {
      ...defaults,
      maxBatchSize: 1,
      maxQueueDelayMs: 0,
      maxQueueSize: 2,
    });
    fake.hold();
    const running = batcher.submit(one(16, "running"));
    await tick();
    const queued = [batcher.submit(one(16, "q1")), batcher.submit(one(16, "q2"))];
    await assert.rejects(batcher.submit(one(16, "overflow")), BackendOverloadedError);
    fake.release();
    await Promise.all([running, ...queued]);
    assert.ok(!fake.batches.some((b) => b.items.includes("overflow")));
  });

  test("a multi-text request that does not fit the queue is refused whole, none of its texts run", async () => {
    const fake = recordingExecutor();
    const batcher = new DynamicBatcher(fake.executor, { ...defaults, maxQueueSize: 3, maxQueueDelayMs: 10 });
    const tooMany = ["a", "b", "c", "d"].map((item) => ({ bucket: 16, item }));
    await assert.rejects(batcher.submit(tooMany), BackendOverloadedError);
    assert.equal(batcher.stats().queueDepth, 0);
    await batcher.close();
    assert.equal(fake.batches.length, 0);
  });

  test("an aborted request leaves the queue and its texts are never run", async () => {
    const fake = recordingExecutor();
    const batcher = new DynamicBatcher(fake.executor, { ...defaults, maxBatchSize: 8, maxQueueDelayMs: 40 });
    const controller = new AbortController();
    const aborted = batcher.submit(one(16, "cancelled"), controller.signal);
    const kept = batcher.submit(one(16, "kept"));
    assert.equal(batcher.stats().queueDepth, 2);
    controller.abort();
    await assert.rejects(aborted, { name: "AbortError" });
    assert.equal(batcher.stats().queueDepth, 1);
    assert.deepEqual(await kept, ["16:kept"]);
    assert.deepEqual(fake.batches, [{ bucket: 16, items: ["kept"] }]);
  });

  test("a request whose signal is already aborted is rejected without queueing", async () => {
    const fake = recordingExecutor();
    const batcher = new DynamicBatcher(fake.executor, defaults);
    await assert.rejects(batcher.submit(one(16, "a"), AbortSignal.abort()), { name: "AbortError" });
    assert.equal(batcher.stats().queueDepth, 0);
  });

  test("a failing batch rejects the requests in it and not those in other batches", async () => {
    const batcher = new DynamicBatcher<string, string>(
      async (bucket, items) => {
        if (bucket === 64) throw new Error("model exploded");
        return items.map((i) => `ok:${i}`);
      },
      { ...defaults, maxQueueDelayMs: 0 },
    );
    const [bad, good] = await Promise.allSettled([
      batcher.submit(one(64, "a")),
      batcher.submit(one(16, "b")),
    ]);
    assert.equal(bad.status, "rejected");
    assert.match(String((bad as PromiseRejectedResult).reason), /model exploded/);
    assert.deepEqual(good, { status: "fulfilled", value: ["ok:b"] });
  });

  test("an executor returning the wrong number of results fails the batch loudly", async () => {
    const batcher = new DynamicBatcher<string, string>(async () => ["only one"], {
      ...defaults,
      maxBatchSize: 2,
      maxQueueDelayMs: 600_000,
    });
    const both = Promise.all([batcher.submit(one(16, "a")), batcher.submit(one(16, "b"))]);
    await assert.rejects(both, /returned 1 results for 2 items/);
  });

  test("close() runs everything already queued without waiting for the delay, then refuses new work", async () => {
    const fake = recordingExecutor();
    const batcher = new DynamicBatcher(fake.executor, {
      ...defaults,
      maxBatchSize: 8,
      maxQueueDelayMs: 600_000,
    });
    const queued = Promise.all([batcher.submit(one(16, "a")), batcher.submit(one(32, "b"))]);
    await batcher.close();
    assert.deepEqual(await queued, [["16:a"], ["32:b"]]);
    assert.equal(batcher.stats().queueDepth, 0);
    await assert.rejects(batcher.submit(one(16, "late")), BackendUnavailableError);
  });

  test("close() waits for a batch that is still running", async () => {
    const fake = recordingExecutor();
    const batcher = new DynamicBatcher(fake.executor, { ...defaults, maxQueueDelayMs: 0 });
    fake.hold();
    const running = batcher.submit(one(16, "a"));
    await tick();
    let closed = false;
    const closing = batcher.close().then(() => {
      closed = true;
    });
    await tick();
    assert.equal(closed, false);
    fake.release();
    await closing;
    assert.deepEqual(await running, ["16:a"]);
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

  test("expired items are not run: a request whose deadline passes while queued fails and never reaches the model", async () => {
    const fake = recordingExecutor();
    let now = 0;
    const batcher = new DynamicBatcher(fake.executor, { ...defaults, maxQueueDelayMs: 0, now: () => now });
    fake.hold();
    const running = batcher.submit(one(16, "running"));
    await tick();
    const expiring = batcher.submit([...one(16, "late-1"), ...one(32, "late-2")], undefined, 10);
    const onTime = batcher.submit(one(16, "on-time"), undefined, 1_000);
    now = 20;
    fake.release();
    await assert.rejects(expiring, (err: Error) => {
      assert.equal(err.name, "DeadlineExceededError");
      assert.equal((err as DeadlineExceededError).stage, "backend_queue");
      return true;
    });
    assert.deepEqual(await Promise.all([running, onTime]), [["16:running"], ["16:on-time"]]);
    assert.deepEqual(
      fake.batches.map((b) => b.items),
      [["running"], ["on-time"]],
    );
    assert.equal(batcher.stats().queueDepth, 0);
  });

  test("a request already past its deadline is refused without queueing", async () => {
    const fake = recordingExecutor();
    const batcher = new DynamicBatcher(fake.executor, { ...defaults, now: () => 50 });
    await assert.rejects(batcher.submit(one(16, "late"), undefined, 50), { name: "DeadlineExceededError" });
    assert.equal(fake.batches.length, 0);
  });

  test("a batch whose every caller has gone is not run", async () => {
    const fake = recordingExecutor();
    const batcher = new DynamicBatcher(fake.executor, { ...defaults, maxQueueDelayMs: 0 });
    fake.hold();
    const running = batcher.submit(one(16, "running"));
    await tick();
    const callers = [new AbortController(), new AbortController()];
    const gone = callers.map((c, i) => batcher.submit(one(16, `gone-${i}`), c.signal));
    for (const c of callers) c.abort();
    await Promise.allSettled(gone);
    fake.release();
    await running;
    await tick();
    assert.deepEqual(
      fake.batches.map((b) => b.items),
      [["running"]],
    );
  });

  test("the onSojourn hook reports how long each item waited before its batch ran", async () => {
    const fake = recordingExecutor();
    let now = 0;
    const waits: number[] = [];
    const batcher = new DynamicBatcher(fake.executor, {
      ...defaults,
      maxQueueDelayMs: 0,
      now: () => now,
      onSojourn: (ms) => waits.push(ms),
    });
    fake.hold();
    const first = batcher.submit(one(16, "a"));
    await tick();
    const second = batcher.submit(one(16, "b"));
    now = 7;
    fake.release();
    await Promise.all([first, second]);
    assert.deepEqual(waits, [0, 7]);
  });
});
