/**
 * The budget reaches Triton: the gateway sends what is left of a request's budget as Triton's per-request
 * `timeout`, and a real Triton (nvidia-pytriton on CPU) with the rendered config's queue policy rejects what it
 * cannot serve in time. Its rejections become the gateway's own answers without opening the circuit breaker.
 */
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { after, before, describe, test } from "node:test";
import request from "supertest";
import { type BackendConfig, BackendOverloadedError } from "../src/contracts";
import { KServeHttpClient } from "../src/inference/kserve-client";
import { encodeInferRequest } from "../src/inference/kserve-codec";
import { TritonBackend } from "../src/inference/triton";
import {
  inferenceFailure,
  TRITON_QUEUE_FULL,
  TRITON_QUEUE_TIMEOUT,
} from "../src/inference/triton-rejections";
import { DeadlineExceededError } from "../src/limits/deadline-exceeded";
import { buildTestApp } from "./support/app";
import { type LocalTriton, startLocalTriton } from "./support/local-triton";
import { tinyModelRepository } from "./support/synthetic-model";

const INFER_PATH = "/v2/models/distilbert_sst2/versions/1/infer";
const SEQUENCE = 16;

function backendConfig(url: string, gatewayBatching = true): BackendConfig {
  return {
    kind: "triton",
    modelRepository: tinyModelRepository(),
    modelName: "distilbert_sst2",
    modelVersion: "1",
    sequenceBuckets: [16, 32, 64, 128, 256, 512],
    batching: { enabled: gatewayBatching, maxBatchSize: 16, maxQueueDelayMs: 2, maxQueueSize: 4096 },
    embedded: { intraOpThreads: 1, interOpThreads: 1 },
    triton: { url, timeoutMs: 10_000, retries: 0, binary: true },
  };
}

function oneRow(timeoutUs?: number) {
  const ids = new BigInt64Array(SEQUENCE).fill(1n);
  return encodeInferRequest(ids, ids, [1, SEQUENCE], true, timeoutUs);
}

describe("Triton's queue policy against a real Triton", { timeout: 240_000 }, () => {
  // A long batching window keeps requests queued; a queue of 2 overflows under a burst of 40.
  let triton: LocalTriton;
  let client: KServeHttpClient;
  before(async () => {
    triton = await startLocalTriton({
      maxQueueDelayUs: 100_000,
      queuePolicy: { timeoutUs: 1_000_000, maxQueueSize: 2 },
    });
    client = new KServeHttpClient(triton.url, { retries: 0 });
  });
  after(async () => {
    await client?.close();
    await triton?.stop();
  });

  const send = (timeoutUs?: number) => {
    const body = oneRow(timeoutUs);
    return client.send({ method: "POST", path: INFER_PATH, ...body, timeoutMs: 10_000 });
  };

  test("a request whose timeout parameter has run out is rejected with 503 and maps to deadline-exceeded", async () => {
    const response = await send(1);
    assert.equal(response.status, 503);
    assert.match(response.body.toString("utf8"), new RegExp(TRITON_QUEUE_TIMEOUT));
    const failure = inferenceFailure(response, "the model");
    assert.ok(failure.error instanceof DeadlineExceededError);
    assert.equal(failure.error.stage, "backend_queue");
    assert.equal(failure.outcome, "success", "a shedding server is alive: the circuit stays closed");
  });

  test("a request with budget left is served under the same policy", async () => {
    assert.equal((await send(5_000_000)).status, 200);
  });

  test("a burst beyond max_queue_size is rejected with 503 and maps to a full backend queue", async () => {
    const responses = await Promise.all(Array.from({ length: 40 }, () => send()));
    const full = responses.filter((r) => r.status === 503);
    assert.ok(full.length > 0, "some requests overflowed the queue of 2");
    for (const response of full) {
      assert.match(response.body.toString("utf8"), new RegExp(TRITON_QUEUE_FULL));
      const failure = inferenceFailure(response, "the model");
      assert.ok(failure.error instanceof BackendOverloadedError);
      assert.equal(failure.outcome, "success");
    }
  });

  test("through the gateway, Triton's full queue answers 503 overloaded and the circuit stays closed", async () => {
    // BATCHING off: one v2 request per text, so the burst reaches Triton's queue as 40 requests (the gateway's
    // own batcher would send them as a few batches, which a queue of 2 holds).
    const backend = new TritonBackend(backendConfig(triton.url, false), { circuitFailureThreshold: 2 });
    await backend.start();
    try {
      // A long budget: this test is about the queue bound, not about deadlines on a busy 2-core machine.
      const t = await buildTestApp({ backend, env: { REQUEST_DEADLINE_MS: "20000" } });
      const token = await t.keys.mint();
      const responses = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          request(t.app)
            .post("/v1/sentiment")
            .set("Authorization", `Bearer ${token}`)
            .send({ text: `note ${i}` }),
        ),
      );
      const statuses = new Set(responses.map((r) => r.status));
      assert.ok(statuses.has(503), "some requests overflowed Triton's queue");
      for (const r of responses.filter((r) => r.status !== 200)) {
        assert.equal(r.body.type, "urn:clinical-inference:problem:overloaded");
        assert.ok(r.headers["retry-after"]);
      }
      assert.equal(backend.circuitState, "closed");
      const shed = (await t.metrics.render()).split("\n").find((l) => l.startsWith("gateway_shed_total{"));
      assert.match(shed ?? "", /reason="backend_queue"/);
    } finally {
      await backend.close();
    }
  });

  test("the gateway sends no request whose budget is already spent", async () => {
    const backend = new TritonBackend(backendConfig(triton.url));
    await backend.start();
    try {
      const before = backend.stats().batches;
      await assert.rejects(backend.classify(["late"], undefined, performance.now() - 1), {
        name: "DeadlineExceededError",
      });
      assert.equal(backend.stats().batches, before);
    } finally {
      await backend.close();
    }
  });
});
