/**
 * The gateway's Triton backend end to end against a real Triton Inference Server (nvidia-pytriton on CPU,
 * started by test/support/local-triton.ts) serving the tiny synthetic model, compared with the embedded
 * ONNX Runtime backend on the very same model files.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { BackendConfig, Prediction } from "../src/contracts";
import { EmbeddedBackend } from "../src/inference/embedded";
import { TritonBackend, type TritonOptions } from "../src/inference/triton";
import { type LocalTriton, startLocalTriton } from "./support/local-triton";
import { config, MODEL, modelRepository } from "./support/triton-backend-config";

const scratch = mkdtempSync(path.join(tmpdir(), "triton-backend-test-"));

/** A model repository holding only what the gateway reads for Triton: tokenizer.json and model-info.json. */
function tokenizerOnlyRepository(
  name: string,
  modelName: string,
  version: string,
  edit: { info?: Record<string, unknown>; tokenizerText?: string } = {},
): string {
  const source = path.join(modelRepository, MODEL, "1");
  const dir = path.join(scratch, name, modelName, version);
  mkdirSync(dir, { recursive: true });
  const info = JSON.parse(readFileSync(path.join(source, "model-info.json"), "utf8"));
  writeFileSync(
    path.join(dir, "model-info.json"),
    JSON.stringify({ ...info, name: modelName, version, ...edit.info }),
  );
  if (edit.tokenizerText === undefined)
    copyFileSync(path.join(source, "tokenizer.json"), path.join(dir, "tokenizer.json"));
  else writeFileSync(path.join(dir, "tokenizer.json"), edit.tokenizerText);
  return path.join(scratch, name);
}

interface ModelStats {
  inference_count: number;
  execution_count: number;
}

async function tritonStats(triton: LocalTriton): Promise<ModelStats> {
  const response = await fetch(`${triton.url}/v2/models/${MODEL}/versions/1/stats`);
  assert.equal(response.status, 200);
  const body = (await response.json()) as { model_stats: ModelStats[] };
  return body.model_stats[0] as ModelStats;
}

const TEXTS = [
  "The nurse was kind and the recovery went smoothly.",
  "Terrible experience, the wait was endless.",
  "ok",
  "Discharged home in stable condition with follow-up in two weeks.",
  Array.from({ length: 40 }, (_, i) => `word${i}`).join(" "),
  Array.from({ length: 700 }, (_, i) => `token${i % 50}`).join(" "),
];

function assertSamePredictions(actual: Prediction[], expected: Prediction[]) {
  assert.equal(actual.length, expected.length);
  actual.forEach((p, i) => {
    const e = expected[i] as Prediction;
    assert.equal(p.label, e.label, `label of text ${i}`);
    assert.ok(
      Math.abs(p.score - e.score) <= 1e-4,
      `score of text ${i}: triton ${p.score} vs embedded ${e.score}`,
    );
    assert.equal(p.truncated, e.truncated, `truncated flag of text ${i}`);
  });
}

describe("Triton backend against a real local Triton", () => {
  let triton: LocalTriton;
  let reference: Prediction[];
  const backends: TritonBackend[] = [];

  /** A started backend that is closed after the suite. */
  async function started(cfg: BackendConfig, options: TritonOptions = {}): Promise<TritonBackend> {
    const backend = new TritonBackend(cfg, options);
    backends.push(backend);
    await backend.start();
    return backend;
  }

  before(async () => {
    triton = await startLocalTriton({ modelRepository, maxQueueDelayUs: 5000 });
    const embedded = new EmbeddedBackend(config(triton.url, {}, { kind: "embedded" }));
    await embedded.start();
    reference = await embedded.classify(TEXTS);
    await embedded.close();
  });

  after(async () => {
    await Promise.all(backends.map((b) => b.close()));
    await triton?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  test("starts after checking the server, the model and its contract, then reports ready", async () => {
    const backend = new TritonBackend(config(triton.url));
    backends.push(backend);
    assert.equal(await backend.ready(), false, "not ready before start()");
    await backend.start();
    assert.equal(await backend.ready(), true);
    assert.deepEqual(backend.modelInfo(), { name: MODEL, version: "1", synthetic: true });
  });

  test("binary tensor mode gives the embedded backend's labels and scores (within 1e-4) for the same model", async () => {
    const backend = await started(config(triton.url, { binary: true }));
    assertSamePredictions(await backend.classify(TEXTS), reference);
  });

  test("JSON mode gives the same predictions as binary mode", async () => {
    const backend = await started(config(triton.url, { binary: false }));
    assertSamePredictions(await backend.classify(TEXTS), reference);
  });

  test("a long text is truncated to the model maximum and reported as truncated", async () => {
    const backend = await started(config(triton.url));
    const [long] = await backend.classify([TEXTS[5] as string]);
    assert.equal(long?.truncated, true);
  });

  test("texts of one call are split per bucket and at most max batch size per v2 request", async () => {
    const sizes: [number, number][] = [];
    const backend = await started(
      config(
        triton.url,
        {},
        { batching: { enabled: true, maxBatchSize: 2, maxQueueDelayMs: 2, maxQueueSize: 64 } },
      ),
      { onBatch: (size, bucket) => sizes.push([size, bucket]) },
    );
    sizes.length = 0; // start() sends one warm-up request
    assertSamePredictions(await backend.classify(TEXTS), reference);
    // Four short texts (bucket 16) in two requests of two; the 40-word text (bucket 128) and the truncated one
    // (bucket 512) alone.
    assert.deepEqual(
      sizes.sort((a, b) => a[1] - b[1]),
      [
        [2, 16],
        [2, 16],
        [1, 128],
        [1, 512],
      ],
    );
  });

  test("with BATCHING off, concurrent single-text calls are batched by Triton's dynamic batcher (server statistics)", async () => {
    const backend = await started(
      config(
        triton.url,
        {},
        { batching: { enabled: false, maxBatchSize: 16, maxQueueDelayMs: 2, maxQueueSize: 256 } },
      ),
    );
    const before = await tritonStats(triton);
    const texts = Array.from({ length: 48 }, (_, i) => `request number ${i} went fine`);
    const results = await Promise.all(texts.map((t) => backend.classify([t])));
    assert.equal(results.length, 48);
    const now = await tritonStats(triton);
    const inferences = now.inference_count - before.inference_count;
    const executions = now.execution_count - before.execution_count;
    assert.equal(inferences, 48);
    assert.ok(executions < inferences, `Triton ran ${executions} executions for ${inferences} inferences`);
  });

  test("with BATCHING on, concurrent single-text calls of mixed buckets reach Triton as per-bucket batches", async () => {
    const sizes: [number, number][] = [];
    const backend = await started(
      config(
        triton.url,
        {},
        { batching: { enabled: true, maxBatchSize: 16, maxQueueDelayMs: 50, maxQueueSize: 256 } },
      ),
      { onBatch: (size, bucket) => sizes.push([size, bucket]), batchesInFlight: 1 },
    );
    sizes.length = 0; // start() sends one warm-up request
    const before = await tritonStats(triton);
    // Alternating buckets ("ok" pads to 16, the 40-word text to 128): the order in which Triton's own batcher
    // stops at every change of shape.
    const picks = Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? 2 : 4));
    const answers = await Promise.all(picks.map((k) => backend.classify([TEXTS[k] as string])));
    assertSamePredictions(
      answers.map((a) => a[0] as Prediction),
      picks.map((k) => reference[k] as Prediction),
    );
    const now = await tritonStats(triton);
    assert.deepEqual(
      sizes.sort((a, b) => a[1] - b[1]),
      [
        [4, 16],
        [4, 128],
      ],
    );
    assert.equal(now.inference_count - before.inference_count, 8);
    assert.equal(now.execution_count - before.execution_count, 2);
  });

  test("start() fails naming the model when Triton does not serve that model name", async () => {
    const repo = tokenizerOnlyRepository("other-name", "no_such_model", "1");
    const backend = new TritonBackend(
      config(triton.url, {}, { modelRepository: repo, modelName: "no_such_model" }),
    );
    backends.push(backend);
    await assert.rejects(
      backend.start(),
      /model "no_such_model" version 1 is not ready on Triton.*MODEL_NAME\/MODEL_VERSION/s,
    );
    assert.equal(await backend.ready(), false);
  });

  test("start() fails naming the version when Triton does not serve the pinned version", async () => {
    const repo = tokenizerOnlyRepository("other-version", MODEL, "2");
    const backend = new TritonBackend(config(triton.url, {}, { modelRepository: repo, modelVersion: "2" }));
    backends.push(backend);
    await assert.rejects(backend.start(), /model "distilbert_sst2" version 2 is not ready on Triton/);
  });

  test("start() fails when the model was published with a different tokenizer than the local one", async () => {
    // Same vocabulary, different bytes: the sha256 pairing must still refuse it.
    const original = readFileSync(path.join(modelRepository, MODEL, "1", "tokenizer.json"), "utf8");
    const reformatted = JSON.stringify(JSON.parse(original), null, 1);
    const repo = tokenizerOnlyRepository("other-tokenizer", MODEL, "1", {
      tokenizerText: reformatted,
      info: { tokenizerSha256: undefined },
    });
    const backend = new TritonBackend(config(triton.url, {}, { modelRepository: repo }));
    backends.push(backend);
    await assert.rejects(
      backend.start(),
      /published with tokenizer sha256 [0-9a-f]{64}, but the local tokenizer has/,
    );
  });

  test("MODEL_VERSION is required for the Triton backend", () => {
    assert.throws(
      () => new TritonBackend(config(triton.url, {}, { modelVersion: undefined })),
      /MODEL_VERSION is required/,
    );
  });
});
