import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BackendOverloadedError, BackendUnavailableError } from "../src/contracts";
import { DynamicBatcher } from "../src/inference/batcher";
import { defaults, one, recordingExecutor, tick } from "./support/batcher-fake";

describe("DynamicBatcher: the bounded queue, failures and close", () => {
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
});
