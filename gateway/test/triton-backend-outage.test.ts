/**
 * The gateway's Triton backend against a real local Triton (nvidia-pytriton on CPU) that is slow or goes away:
 * timeouts, readiness, retries and the circuit breaker.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { BackendUnavailableError } from "../src/contracts";
import { TritonBackend } from "../src/inference/triton";
import { type LocalTriton, startLocalTriton } from "./support/local-triton";
import { config, modelRepository } from "./support/triton-backend-config";

describe("Triton backend when the server is slow or gone", () => {
  let triton: LocalTriton;
  let backend: TritonBackend;

  before(async () => {
    // A 3 s batching window with nothing else arriving: every single request sits in Triton's queue for 3 s.
    triton = await startLocalTriton({ modelRepository, maxQueueDelayUs: 3_000_000 });
    backend = new TritonBackend(config(triton.url, { timeoutMs: 8_000, retries: 2 }), {
      readinessCacheMs: 0,
      circuitFailureThreshold: 3,
      circuitCooldownMs: 60_000,
      retryBaseDelayMs: 1,
    });
    await backend.start();
  });

  after(async () => {
    await backend?.close();
    await triton?.stop();
  });

  test("an inference slower than TRITON_TIMEOUT_MS fails with a timeout and is not retried", async () => {
    const impatient = new TritonBackend(config(triton.url, { timeoutMs: 300, retries: 2 }), {
      retryBaseDelayMs: 1,
    });
    // start() itself waits the 3 s window once (its warm-up inference), with its own longer budget below.
    const patient = new TritonBackend(config(triton.url, { timeoutMs: 8_000, retries: 2 }));
    await patient.start();
    await patient.close();
    await assert.rejects(impatient.start(), (err: unknown) => {
      assert.ok(err instanceof BackendUnavailableError);
      assert.equal(err.reason, "timeout");
      return true;
    });
    assert.equal(impatient.retriesPerformed, 0);
    await impatient.close();
  });

  test("readiness follows the server: ready while it runs, not ready once it stops", async () => {
    assert.equal(await backend.ready(), true);
    await triton.stop();
    assert.equal(await backend.ready(), false);
  });

  test("with the server gone, classify fails as upstream_error after retrying the refused connection", async () => {
    const retriesBefore = backend.retriesPerformed;
    await assert.rejects(backend.classify(["anyone there?"]), (err: unknown) => {
      assert.ok(err instanceof BackendUnavailableError);
      assert.equal(err.reason, "upstream_error");
      assert.match(err.message, /ECONNREFUSED\) after 3 attempt/);
      return true;
    });
    assert.equal(backend.retriesPerformed - retriesBefore, 2);
  });

  test("after repeated failures the circuit opens and calls fail at once without connecting", async () => {
    await assert.rejects(backend.classify(["second failure"]), { reason: "upstream_error" });
    await assert.rejects(backend.classify(["third failure"]), { reason: "upstream_error" });
    assert.equal(backend.circuitState, "open");
    const retriesBefore = backend.retriesPerformed;
    await assert.rejects(backend.classify(["refused by the breaker"]), (err: unknown) => {
      assert.ok(err instanceof BackendUnavailableError);
      assert.equal(err.reason, "circuit_open");
      return true;
    });
    assert.equal(backend.retriesPerformed, retriesBefore, "an open circuit makes no connection attempt");
  });
});
