import assert from "node:assert/strict";
import { describe, it } from "node:test";
import request from "supertest";
import { BackendOverloadedError, BackendUnavailableError } from "../src/contracts";
import { ConcurrencyLimiter, OverloadedError } from "../src/limits/concurrency";
import { RateLimiter } from "../src/limits/rate-limiter";
import { buildTestApp, type TestApp } from "./support/app";
import { BlockingBackend, RecordingBackend } from "./support/doubles";

describe("per-client rate limiting", () => {
  it("answers 429 with Retry-After once a client exhausts its burst", async () => {
    const t = await buildTestApp({ env: { RATE_LIMIT_RPS: "0.5", RATE_LIMIT_BURST: "3" } });
    const token = await t.keys.mint();
    const statuses: number[] = [];
    let last: request.Response | undefined;
    for (let i = 0; i < 4; i++) {
      last = await request(t.app)
        .post("/v1/sentiment")
        .set("Authorization", `Bearer ${token}`)
        .send({ text: "ok" });
      statuses.push(last.status);
    }
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    assert.equal(last?.body.type, "urn:clinical-inference:problem:rate-limited");
    assert.equal(last?.headers["retry-after"], "2");
  });

  it("limits each client separately", async () => {
    const t = await buildTestApp({ env: { RATE_LIMIT_RPS: "0.5", RATE_LIMIT_BURST: "1" } });
    const a = await t.keys.mint({ client_id: "a" });
    const b = await t.keys.mint({ client_id: "b" });
    const send = (token: string) =>
      request(t.app).post("/v1/sentiment").set("Authorization", `Bearer ${token}`).send({ text: "ok" });
    assert.equal((await send(a)).status, 200);
    assert.equal((await send(a)).status, 429);
    assert.equal((await send(b)).status, 200);
  });

  it("refills tokens at RATE_LIMIT_RPS", () => {
    let now = 0;
    const limiter = new RateLimiter(2, 2, 10, () => now);
    assert.equal(limiter.take("c").allowed, true);
    assert.equal(limiter.take("c").allowed, true);
    assert.deepEqual(limiter.take("c"), { allowed: false, retryAfterSeconds: 1 });
    now += 500;
    assert.equal(limiter.take("c").allowed, true);
  });
});

describe("bounded concurrency towards the backend", () => {
  it("answers 503 with Retry-After when in-flight and pending slots are full", async () => {
    const backend = new BlockingBackend();
    const t = await buildTestApp({ backend, env: { MAX_INFLIGHT: "2", MAX_PENDING: "1" } });
    const token = await t.keys.mint();
    const send = () =>
      request(t.app).post("/v1/sentiment").set("Authorization", `Bearer ${token}`).send({ text: "good" });
    const held = [send(), send(), send()].map((r) => r.then((res) => res));
    await backend.whenBlocked(2);
    // Two run, one waits: the fourth has nowhere to go.
    await waitForPending(t, 1);
    const refused = await send();
    assert.equal(refused.status, 503);
    assert.equal(refused.body.type, "urn:clinical-inference:problem:overloaded");
    assert.equal(refused.headers["retry-after"], "1");
    backend.release();
    await backend.whenBlocked(1);
    backend.release();
    const statuses = (await Promise.all(held)).map((r) => r.status);
    assert.deepEqual(statuses, [200, 200, 200]);
  });

  it("answers 503 with the backend's Retry-After when the backend queue is full", async () => {
    const backend = new RecordingBackend();
    backend.failWith = new BackendOverloadedError("queue full", 3);
    const t = await buildTestApp({ backend });
    const res = await request(t.app)
      .post("/v1/sentiment")
      .set("Authorization", `Bearer ${await t.keys.mint()}`)
      .send({ text: "x" });
    assert.equal(res.status, 503);
    assert.equal(res.headers["retry-after"], "3");
  });

  it("answers 504 when the backend times out upstream", async () => {
    const backend = new RecordingBackend();
    backend.failWith = new BackendUnavailableError("triton took too long", "timeout");
    const t = await buildTestApp({ backend });
    const res = await request(t.app)
      .post("/v1/sentiment")
      .set("Authorization", `Bearer ${await t.keys.mint()}`)
      .send({ text: "x" });
    assert.equal(res.status, 504);
    assert.equal(res.body.type, "urn:clinical-inference:problem:backend-timeout");
    assert.doesNotMatch(res.text, /triton took too long/);
  });

  it("answers 503 backend-unavailable when the backend is down", async () => {
    const backend = new RecordingBackend();
    backend.failWith = new BackendUnavailableError("connection refused", "upstream_error");
    const t = await buildTestApp({ backend });
    const res = await request(t.app)
      .post("/v1/sentiment/batch")
      .set("Authorization", `Bearer ${await t.keys.mint()}`)
      .send({ texts: ["x"] });
    assert.equal(res.status, 503);
    assert.equal(res.body.type, "urn:clinical-inference:problem:backend-unavailable");
    assert.ok(res.headers["retry-after"]);
  });

  it("hands a freed slot to the oldest waiter", async () => {
    const limiter = new ConcurrencyLimiter(1, 1);
    let release!: () => void;
    const first = limiter.run(() => new Promise<string>((r) => (release = () => r("first"))));
    const second = limiter.run(async () => "second");
    await assert.rejects(
      limiter.run(async () => "third"),
      OverloadedError,
    );
    assert.equal(limiter.pending, 1);
    release();
    assert.deepEqual(await Promise.all([first, second]), ["first", "second"]);
    assert.equal(limiter.inflight, 0);
  });
});

async function waitForPending(t: TestApp, n: number): Promise<void> {
  for (;;) {
    for (const sample of t.metrics.samplers) sample();
    if ((await t.metrics.pending.get()).values[0]?.value === n) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}
