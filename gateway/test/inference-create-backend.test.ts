import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { BackendConfig } from "../src/contracts";
import { createBackend } from "../src/inference/index";

const base: BackendConfig = {
  kind: "embedded",
  modelRepository: "/nonexistent",
  modelName: "distilbert_sst2",
  sequenceBuckets: [16, 512],
  batching: { enabled: true, maxBatchSize: 16, maxQueueDelayMs: 4, maxQueueSize: 512 },
  embedded: { intraOpThreads: 0, interOpThreads: 0 },
  triton: { url: "http://127.0.0.1:8000", timeoutMs: 2000, retries: 1, binary: true },
};

describe("createBackend", () => {
  test("BACKEND=embedded gives the in-process ONNX Runtime backend, not ready until started", async () => {
    const backend = createBackend(base);
    assert.equal(backend.kind, "embedded");
    assert.equal(await backend.ready(), false);
    await backend.close();
  });

  test("BACKEND=triton gives the KServe v2 backend", async () => {
    const backend = createBackend({ ...base, kind: "triton", modelVersion: "1" });
    assert.equal(backend.kind, "triton");
    assert.equal(await backend.ready(), false);
    await backend.close();
  });

  test("BACKEND=triton without MODEL_VERSION is refused at once", () => {
    assert.throws(
      () => createBackend({ ...base, kind: "triton" }),
      /MODEL_VERSION is required with BACKEND=triton/,
    );
  });

  test("an unknown backend kind is refused naming BACKEND", () => {
    assert.throws(
      () => createBackend({ ...base, kind: "tensorflow" as unknown as BackendConfig["kind"] }),
      /BACKEND must be "embedded" or "triton", got "tensorflow"/,
    );
  });

  test("a missing model repository makes start() fail with the path and the fix", async () => {
    const backend = createBackend(base);
    await assert.rejects(
      backend.start(),
      /\/nonexistent\/distilbert_sst2 does not exist; run `npm run setup`/,
    );
  });
});
