import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import {
  type BackendConfig,
  BackendOverloadedError,
  BackendUnavailableError,
  type Prediction,
} from "../src/contracts";
import { EmbeddedBackend } from "../src/inference/embedded";
import { embeddedTestConfig } from "./support/embedded-config";

// The synthetic tiny DistilBERT written by `npm run setup` (scripts/setup.d/20-models.sh).
const repoRoot = path.resolve(__dirname, "..", "..");
const modelRepository = path.join(repoRoot, ".local", "models", "tiny");
const versionDir = path.join(modelRepository, "distilbert_sst2", "1");

// fp32 (the helper's default): these tests check exact arithmetic invariances (batching, padding) that dynamic
// int8 quantization does not promise; embedded-precision.test.ts covers int8.
function config(
  overrides: Partial<BackendConfig> = {},
  batching: Partial<BackendConfig["batching"]> = {},
): BackendConfig {
  return { ...embeddedTestConfig({ modelRepository, batching }), ...overrides };
}

const TEXTS = [
  "The nurse was kind and the recovery went smoothly.",
  "Terrible experience, the wait was endless.",
  "ok",
  "Discharged home in stable condition with follow-up in two weeks.",
];
const LONG_TEXT = Array.from({ length: 700 }, (_, i) => `token${i % 50}`).join(" ");

function assertClose(actual: Prediction[], expected: Prediction[], tolerance: number) {
  assert.equal(actual.length, expected.length);
  actual.forEach((p, i) => {
    const e = expected[i] as Prediction;
    assert.equal(p.label, e.label, `label of text ${i}`);
    assert.ok(Math.abs(p.score - e.score) <= tolerance, `score of text ${i}: ${p.score} vs ${e.score}`);
    assert.equal(p.truncated, e.truncated);
  });
}

describe("embedded ONNX Runtime backend (tiny synthetic model)", () => {
  const batchSizes: number[] = [];
  const backend = new EmbeddedBackend(config(), { onBatch: (size) => batchSizes.push(size) });

  before(async () => {
    assert.ok(
      existsSync(versionDir),
      `${versionDir} is missing: run \`npm run setup\` to generate the test models`,
    );
    await backend.start();
  });
  after(() => backend.close());

  test("is not ready before start() and is ready after warm-up", async () => {
    const fresh = new EmbeddedBackend(config());
    assert.equal(await fresh.ready(), false);
    await assert.rejects(fresh.classify(["too early"]), {
      name: "BackendUnavailableError",
      reason: "not_ready",
    });
    await fresh.start();
    assert.equal(await fresh.ready(), true);
    await fresh.close();
  });

  test("reports the model's name, resolved version, precision and that it is synthetic", () => {
    assert.deepEqual(backend.modelInfo(), {
      name: "distilbert_sst2",
      version: "1",
      synthetic: true,
      precision: "fp32",
    });
  });

  test("predictions are labelled probabilities, one per text, in order", async () => {
    const predictions = await backend.classify(TEXTS);
    assert.equal(predictions.length, TEXTS.length);
    for (const p of predictions) {
      assert.ok(p.label === "NEGATIVE" || p.label === "POSITIVE");
      assert.ok(p.score >= 0.5 && p.score <= 1, `winning probability ${p.score} must be in [0.5, 1]`);
      assert.equal(p.truncated, false);
    }
    const singles = [];
    for (const text of TEXTS) singles.push(...(await backend.classify([text])));
    assertClose(predictions, singles, 1e-5);
  });

  test("different texts get different scores (the model reads its input)", async () => {
    const scores = (await backend.classify(TEXTS)).map((p) => p.score);
    assert.equal(new Set(scores.map((s) => s.toFixed(6))).size, TEXTS.length);
  });

  test("padding to a larger bucket does not change the prediction (the attention mask hides it)", async () => {
    const wide = new EmbeddedBackend(config({ sequenceBuckets: [512] }));
    await wide.start();
    try {
      assertClose(await wide.classify(TEXTS), await backend.classify(TEXTS), 1e-4);
    } finally {
      await wide.close();
    }
  });

  test("a text longer than the model maximum is classified and reported as truncated", async () => {
    const [long, short] = await backend.classify([LONG_TEXT, "short"]);
    assert.equal(long?.truncated, true);
    assert.equal(short?.truncated, false);
    assert.ok((long?.score ?? 0) >= 0.5);
  });

  test("concurrent requests are batched together and give the same results as unbatched ones", async () => {
    const unbatched = new EmbeddedBackend(config({}, { enabled: false }));
    const unbatchedSizes: number[] = [];
    const tracked = new EmbeddedBackend(config({}, { enabled: false }), {
      onBatch: (size) => unbatchedSizes.push(size),
    });
    await Promise.all([unbatched.start(), tracked.start()]);
    try {
      batchSizes.length = 0;
      const batched = (await Promise.all(TEXTS.map((t) => backend.classify([t])))).flat();
      assert.ok(Math.max(...batchSizes) > 1, `batch sizes seen: ${batchSizes.join(",")}`);

      const alone = (await Promise.all(TEXTS.map((t) => tracked.classify([t])))).flat();
      assert.deepEqual(unbatchedSizes, [1, 1, 1, 1], "with batching off every text runs alone");
      assertClose(batched, alone, 1e-5);
      assertClose(await unbatched.classify(TEXTS), alone, 1e-5);
    } finally {
      await Promise.all([unbatched.close(), tracked.close()]);
    }
  });

  test("an empty list of texts gives an empty list without running the model", async () => {
    const before = backend.stats().batches;
    assert.deepEqual(await backend.classify([]), []);
    assert.equal(backend.stats().batches, before);
  });

  test("requests past the queue bound are refused with BackendOverloadedError, and close() drains the queue", async () => {
    // A queue delay far beyond the test timeout keeps the two admitted texts waiting until close() flushes them.
    const small = new EmbeddedBackend(config({}, { maxQueueSize: 2, maxQueueDelayMs: 600_000 }));
    await small.start();
    const admitted = small.classify(["first", "second"]);
    assert.equal(small.stats().queueDepth, 2);
    await assert.rejects(small.classify(["one too many"]), BackendOverloadedError);
    await small.close();
    const predictions = await admitted;
    assert.equal(predictions.length, 2);
    assert.equal(small.stats().queueDepth, 0);
  });

  test("after close() it is not ready and refuses new work", async () => {
    const closing = new EmbeddedBackend(config());
    await closing.start();
    const inFlight = closing.classify(TEXTS);
    await closing.close();
    assert.equal((await inFlight).length, TEXTS.length);
    assert.equal(await closing.ready(), false);
    await assert.rejects(closing.classify(["late"]), BackendUnavailableError);
  });

  test("a request aborted while queued is rejected with the abort reason", async () => {
    const slow = new EmbeddedBackend(config({}, { maxQueueDelayMs: 600_000 }));
    await slow.start();
    const controller = new AbortController();
    const pending = slow.classify(["never runs"], controller.signal);
    controller.abort();
    await assert.rejects(pending, { name: "AbortError" });
    assert.equal(slow.stats().batches, 0);
    await slow.close();
  });

  test("a missing model version fails start() naming the folder", async () => {
    const missing = new EmbeddedBackend(config({ modelVersion: "99" }));
    await assert.rejects(missing.start(), /distilbert_sst2\/99 does not exist/);
  });

  test("buckets that do not end at the model maximum fail start()", async () => {
    const wrong = new EmbeddedBackend(config({ sequenceBuckets: [16, 32] }));
    await assert.rejects(wrong.start(), /must end at the model's maximum sequence length 512/);
  });
});
