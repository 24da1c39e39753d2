import assert from "node:assert/strict";
import path from "node:path";
import { describe, test } from "node:test";
import request from "supertest";
import { type BackendConfig, BackendUnavailableError } from "../src/contracts";
import { EmbeddedBackend } from "../src/inference/embedded";
import { OrtWorker } from "../src/inference/ort-worker";
import { DEFAULT_RESTART_POLICY, OrtWorkerSupervisor } from "../src/inference/ort-worker-supervisor";
import { createMetrics, workerRestartObserver } from "../src/metrics";
import { buildTestApp } from "./support/app";
import { embeddedTestConfig } from "./support/embedded-config";

// The synthetic tiny DistilBERT written by `npm run setup` (scripts/setup.d/20-models.sh).
const modelRepository = path.resolve(__dirname, "..", "..", ".local", "models", "tiny");
const MODEL = path.join(modelRepository, "distilbert_sst2", "1", "model.onnx");
// The real inference worker, except that its thread exits when asked to run the 512-token bucket.
const DIES_ON_LONG_INPUT = path.join(__dirname, "fixtures", "ort-worker-dies-on-long-input.ts");
const LONG_TEXT = Array.from({ length: 700 }, (_, i) => `token${i % 50}`).join(" ");
const FAST_RESTART = { ...DEFAULT_RESTART_POLICY, baseDelayMs: 1, maxDelayMs: 1 };

function config(): BackendConfig {
  return embeddedTestConfig({ modelRepository, batching: { maxBatchSize: 1, maxQueueDelayMs: 0 } });
}

/** One [1, 512] run: the fixture's thread exits on it, as a native crash or an out-of-memory kill would. */
function crash(worker: OrtWorker): Promise<unknown> {
  return worker.run(new BigInt64Array(512), new BigInt64Array(512), 1, 512).catch((err: unknown) => err);
}

/** The restart counter's sample for one outcome, as Prometheus would scrape it. */
async function restartsReported(metrics: ReturnType<typeof createMetrics>, outcome: string): Promise<string> {
  const prefix = `gateway_backend_worker_restarts_total{outcome="${outcome}"} `;
  const line = (await metrics.registry.metrics()).split("\n").find((l) => l.startsWith(prefix));
  return line?.slice(prefix.length) ?? "absent";
}

async function until(done: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await done())) await new Promise((resolve) => setTimeout(resolve, 5));
}

function openDying(onStopped: (reason: string) => void): Promise<OrtWorker> {
  return OrtWorker.open(
    { modelPath: MODEL, intraOpThreads: 1, interOpThreads: 1 },
    onStopped,
    DIES_ON_LONG_INPUT,
  );
}

describe("a crashed ONNX Runtime worker thread (real worker, made to exit)", { timeout: 60_000 }, () => {
  test("the runs it had fail with BackendUnavailableError and a new worker serves once it is prepared", async () => {
    let gate: () => void = () => {};
    let prepared = 0;
    const supervisor = new OrtWorkerSupervisor(
      {
        open: openDying,
        prepare: async () => {
          prepared++;
          // The first worker is prepared at once; the restarted one waits until the test lets it go.
          if (prepared > 1) await new Promise<void>((resolve) => (gate = resolve));
        },
      },
      FAST_RESTART,
    );
    const first = await supervisor.start();
    const lost = await crash(first);
    assert.ok(lost instanceof BackendUnavailableError, "the run the crash took fails as unavailable");
    await until(() => prepared === 2);
    assert.equal(supervisor.current, undefined, "nothing serves while the new worker is prepared");
    assert.throws(() => supervisor.serving(), { name: "BackendUnavailableError", message: /restarting/ });
    gate();
    await until(() => supervisor.current !== undefined);
    assert.notEqual(supervisor.current, first);
    assert.equal(supervisor.restartCount, 1);
    assert.equal(supervisor.live, true);
    await supervisor.close();
  });

  test("past maxRestarts crashes within the window it gives up and reports itself not live", async () => {
    const supervisor = new OrtWorkerSupervisor(
      { open: openDying, prepare: async () => {} },
      { ...FAST_RESTART, maxRestarts: 1 },
    );
    await crash(await supervisor.start());
    await until(() => supervisor.current !== undefined);
    await crash(supervisor.current as OrtWorker);
    assert.equal(supervisor.live, false);
    assert.equal(supervisor.current, undefined);
    assert.throws(() => supervisor.serving(), { name: "BackendUnavailableError", message: /too often/ });
    assert.equal(supervisor.restartCount, 1);
    await supervisor.close();
  });

  test("through the gateway: the crashing request answers 503 backend-unavailable, /healthz stays 200 and the restarted worker serves", async () => {
    const backend = new EmbeddedBackend(config(), {
      workerEntry: DIES_ON_LONG_INPUT,
      restartPolicy: FAST_RESTART,
    });
    await backend.start();
    const t = await buildTestApp({ backend });
    try {
      const token = await t.keys.mint();
      const crashing = await request(t.app)
        .post("/v1/sentiment")
        .set("Authorization", `Bearer ${token}`)
        .send({ text: LONG_TEXT })
        .expect(503);
      assert.equal(crashing.body.type, "urn:clinical-inference:problem:backend-unavailable");
      await request(t.app).get("/healthz").expect(200);
      await until(async () => (await request(t.app).get("/readyz")).status === 200);
      const served = await request(t.app)
        .post("/v1/sentiment")
        .set("Authorization", `Bearer ${token}`)
        .send({ text: "The recovery went smoothly." })
        .expect(200);
      assert.match(served.body.label, /^(POSITIVE|NEGATIVE)$/);
    } finally {
      await backend.close();
    }
  });

  test("with two sessions, one crashed worker's batch answers 503 while the other session serves before the restart", async () => {
    // Restarts held off for the whole test: only the second session can answer.
    const backend = new EmbeddedBackend(
      embeddedTestConfig({
        modelRepository,
        batching: { maxBatchSize: 1, maxQueueDelayMs: 0 },
        embedded: { sessions: 2 },
      }),
      {
        workerEntry: DIES_ON_LONG_INPUT,
        restartPolicy: { ...DEFAULT_RESTART_POLICY, baseDelayMs: 60_000, maxDelayMs: 60_000 },
      },
    );
    await backend.start();
    const t = await buildTestApp({ backend });
    try {
      const token = await t.keys.mint();
      await request(t.app)
        .post("/v1/sentiment")
        .set("Authorization", `Bearer ${token}`)
        .send({ text: LONG_TEXT })
        .expect(503);
      await request(t.app).get("/readyz").expect(200);
      for (let i = 0; i < 3; i++) {
        await request(t.app)
          .post("/v1/sentiment")
          .set("Authorization", `Bearer ${token}`)
          .send({ text: "The recovery went smoothly." })
          .expect(200);
      }
      await request(t.app).get("/healthz").expect(200);
    } finally {
      await backend.close();
    }
  });

  test("through the gateway: a worker that keeps crashing makes /healthz answer 503 so Kubernetes restarts the pod", async () => {
    const backend = new EmbeddedBackend(config(), {
      workerEntry: DIES_ON_LONG_INPUT,
      restartPolicy: { ...FAST_RESTART, maxRestarts: 0 },
    });
    await backend.start();
    const t = await buildTestApp({ backend });
    try {
      await request(t.app).get("/healthz").expect(200);
      await request(t.app)
        .post("/v1/sentiment")
        .set("Authorization", `Bearer ${await t.keys.mint()}`)
        .send({ text: LONG_TEXT })
        .expect(503);
      const liveness = await request(t.app).get("/healthz").expect(503);
      assert.equal(liveness.body.type, "urn:clinical-inference:problem:backend-unavailable");
      await request(t.app).get("/readyz").expect(503);
    } finally {
      await backend.close();
    }
  });

  test("gateway_backend_worker_restarts_total counts a killed worker as restarted once a new one serves, and as gave_up once restarts are exhausted", async () => {
    // The gateway's metrics are wired to the backend as main.ts wires them; the app's own registry is not read.
    const metrics = createMetrics({ defaultMetrics: false });
    const backend = new EmbeddedBackend(config(), {
      workerEntry: DIES_ON_LONG_INPUT,
      restartPolicy: { ...FAST_RESTART, maxRestarts: 1 },
      onWorkerRestart: workerRestartObserver(metrics),
    });
    await backend.start();
    const t = await buildTestApp({ backend });
    const kill = async () =>
      request(t.app)
        .post("/v1/sentiment")
        .set("Authorization", `Bearer ${await t.keys.mint()}`)
        .send({ text: LONG_TEXT })
        .expect(503);
    try {
      assert.equal(await restartsReported(metrics, "restarted"), "0", "exported before any crash");
      assert.equal(await restartsReported(metrics, "gave_up"), "0");
      await kill();
      await until(async () => (await request(t.app).get("/readyz")).status === 200);
      assert.equal(await restartsReported(metrics, "restarted"), "1");
      assert.equal(await restartsReported(metrics, "gave_up"), "0");
      await kill();
      await request(t.app).get("/healthz").expect(503);
      assert.equal(await restartsReported(metrics, "restarted"), "1", "giving up is not a restart");
      assert.equal(await restartsReported(metrics, "gave_up"), "1");
    } finally {
      await backend.close();
    }
  });
});
