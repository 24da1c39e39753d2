import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DynamicBatcher } from "../src/inference/batcher";
import type { DeadlineExceededError } from "../src/limits/deadline-exceeded";
import { defaults, one, recordingExecutor, tick } from "./support/batcher-fake";

describe("DynamicBatcher: deadlines and cancellation", () => {
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
