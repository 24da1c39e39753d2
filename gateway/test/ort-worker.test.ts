import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { after, before, describe, test } from "node:test";
import * as ort from "onnxruntime-node";
import request from "supertest";
import type { BackendConfig, Prediction } from "../src/contracts";
import { EmbeddedBackend } from "../src/inference/embedded";
import { ATTENTION_MASK, INPUT_IDS, LOGITS } from "../src/inference/model-contract";
import { WORKER_NICE } from "../src/inference/ort-worker-protocol";
import { DEFAULT_RESTART_POLICY } from "../src/inference/ort-worker-supervisor";
import { buildInputTensors, predictionsFromLogits } from "../src/inference/predictions";
import type { EncodedText } from "../src/inference/tokenizer";
import { loadVersionTokenizer } from "../src/inference/version-tokenizer";
import { buildTestApp } from "./support/app";
import { embeddedTestConfig } from "./support/embedded-config";

// The synthetic tiny DistilBERT written by `npm run setup` (scripts/setup.d/20-models.sh).
const modelRepository = path.resolve(__dirname, "..", "..", ".local", "models", "tiny");
const DIES_ON_LONG_INPUT = path.join(__dirname, "fixtures", "ort-worker-dies-on-long-input.ts");
const LONG_BATCH = 16;

function config(maxBatchSize: number, maxQueueDelayMs = 0): BackendConfig {
  return embeddedTestConfig({ modelRepository, batching: { maxBatchSize, maxQueueDelayMs } });
}

const TEXTS = [
  "The nurse was kind and the recovery went smoothly.",
  "Terrible experience, the wait was endless.",
  "ok",
  "Discharged home in stable condition with follow-up in two weeks.",
];
// Distinct texts past the model maximum: all of them land in the 512 bucket.
const LONG_TEXTS = Array.from({ length: LONG_BATCH }, (_, t) =>
  Array.from({ length: 700 }, (_, i) => `token${(i + t) % 50}`).join(" "),
);

/** The same model run the way the backend did before the worker: a session on the gateway thread. */
async function directSession(cfg: BackendConfig) {
  const { artifacts, tokenizer } = loadVersionTokenizer(cfg, { requireModelFile: true });
  const session = await ort.InferenceSession.create(artifacts.modelPath, {
    graphOptimizationLevel: "all",
    executionMode: "sequential",
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });
  const classify = async (items: EncodedText[], bucket: number): Promise<Prediction[]> => {
    const { inputIds, attentionMask } = buildInputTensors(
      items.map((i) => i.ids),
      bucket,
      tokenizer.padId,
    );
    const dims = [items.length, bucket];
    const out = await session.run({
      [INPUT_IDS]: new ort.Tensor("int64", inputIds, dims),
      [ATTENTION_MASK]: new ort.Tensor("int64", attentionMask, dims),
    });
    return predictionsFromLogits(
      out[LOGITS]?.data as Float32Array,
      items.length,
      items.map((i) => i.truncated),
    );
  };
  return { tokenizer, classify, release: () => session.release() };
}

/** Longest event-loop stall (ms) while `work` runs, sampled every millisecond. */
async function maxLoopDelayDuring(work: () => Promise<unknown>): Promise<number> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  try {
    await work();
    // The histogram records a stall when its timer finally fires: let it fire once more after the work.
    await new Promise((resolve) => setTimeout(resolve, 5));
  } finally {
    histogram.disable();
  }
  return histogram.max / 1e6;
}

describe("embedded backend on an ONNX Runtime worker thread (tiny synthetic model)", () => {
  let direct: Awaited<ReturnType<typeof directSession>>;
  before(async () => {
    direct = await directSession(config(1));
  });
  after(() => direct.release());

  test("gives the same labels and scores (within 1e-6) as a session on the gateway thread", async () => {
    const backend = new EmbeddedBackend(config(1));
    await backend.start();
    try {
      const viaWorker = await backend.classify([...TEXTS, LONG_TEXTS[0] as string]);
      const expected: Prediction[] = [];
      for (const text of [...TEXTS, LONG_TEXTS[0] as string]) {
        const encoded = direct.tokenizer.encode(text);
        expected.push(...(await direct.classify([encoded], encoded.bucket)));
      }
      viaWorker.forEach((p, i) => {
        const e = expected[i] as Prediction;
        assert.equal(p.label, e.label, `label of text ${i}`);
        assert.ok(Math.abs(p.score - e.score) <= 1e-6, `score of text ${i}: ${p.score} vs ${e.score}`);
        assert.equal(p.truncated, e.truncated);
      });
    } finally {
      await backend.close();
    }
  });

  test("keeps the event loop responsive while a long batch computes, unlike a session on the gateway thread", async (t) => {
    const encoded = LONG_TEXTS.map((t) => direct.tokenizer.encode(t));
    await direct.classify(encoded, 512); // the first run of a shape plans memory; time a steady one
    let computeMs = 0;
    const directDelay = await maxLoopDelayDuring(async () => {
      const started = performance.now();
      await direct.classify(encoded, 512);
      computeMs = performance.now() - started;
    });

    const backend = new EmbeddedBackend(config(LONG_BATCH, 50));
    await backend.start();
    try {
      await backend.classify(LONG_TEXTS);
      const workerDelay = await maxLoopDelayDuring(() => backend.classify(LONG_TEXTS));
      t.diagnostic(
        `batch ${computeMs.toFixed(1)} ms; loop stall ${directDelay.toFixed(1)} ms direct, ${workerDelay.toFixed(1)} ms worker`,
      );
      assert.ok(
        directDelay >= computeMs / 2,
        `the direct run should stall the loop: ${directDelay.toFixed(1)} ms of ${computeMs.toFixed(1)} ms`,
      );
      assert.ok(
        workerDelay < computeMs / 4,
        `loop stalled ${workerDelay.toFixed(1)} ms while a ${computeMs.toFixed(1)} ms batch ran on the worker`,
      );
    } finally {
      await backend.close();
    }
  });

  test("a crashed worker with no restarts left makes the backend not ready, and requests answer 503 backend-unavailable instead of hanging", async () => {
    // Restarts are ort-worker-restart.test.ts's subject; here none are allowed, so every step is deterministic.
    const backend = new EmbeddedBackend(config(1), {
      workerEntry: DIES_ON_LONG_INPUT,
      restartPolicy: { ...DEFAULT_RESTART_POLICY, maxRestarts: 0 },
    });
    await backend.start();
    const t = await buildTestApp({ backend });
    try {
      assert.equal(await backend.ready(), true);
      const token = await t.keys.mint();
      const crashing = await request(t.app)
        .post("/v1/sentiment")
        .set("Authorization", `Bearer ${token}`)
        .send({ text: LONG_TEXTS[0] })
        .expect(503);
      assert.equal(crashing.body.type, "urn:clinical-inference:problem:backend-unavailable");
      assert.equal(await backend.ready(), false);
      await request(t.app).get("/readyz").expect(503);
      const after = await request(t.app)
        .post("/v1/sentiment")
        .set("Authorization", `Bearer ${token}`)
        .send({ text: TEXTS[0] })
        .expect(503);
      assert.equal(after.body.type, "urn:clinical-inference:problem:backend-unavailable");
    } finally {
      await backend.close();
    }
  });

  test("runs ONNX Runtime on threads of lower priority than the event loop, so shedding does not wait behind the model", {
    skip: process.platform !== "linux" && "nice is per thread on Linux only",
  }, async () => {
    const niceOf = () =>
      readdirSync("/proc/self/task").map((tid) => {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
        // Field 19 (nice), counted after the parenthesised command name, which may contain spaces.
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
      });
    const base = os.getPriority(0);
    const before = niceOf().filter((n) => n !== base).length;
    const backend = new EmbeddedBackend({
      ...config(1),
      embedded: { ...config(1).embedded, intraOpThreads: 2 },
    });
    await backend.start();
    try {
      const lowered = niceOf().filter((n) => n === Math.min(19, base + WORKER_NICE)).length;
      // The worker thread and ONNX Runtime's intra-op thread it started; the event loop keeps its priority.
      assert.ok(lowered - before >= 2, `${lowered} threads at nice ${base + WORKER_NICE}`);
      assert.equal(os.getPriority(0), base);
    } finally {
      await backend.close();
    }
  });
});
