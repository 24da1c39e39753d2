import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import request from "supertest";
import { AdmissionController } from "../src/limits/admission";
import { REQUEST_TIMEOUT_HEADER } from "../src/limits/deadline";
import { buildTestApp, type TestApp } from "./support/app";
import { BatchingBackend, BlockingBackend } from "./support/doubles";

const PROBLEM = "urn:clinical-inference:problem:";

async function sentiment(t: TestApp, headers: Record<string, string> = {}) {
  const req = request(t.app)
    .post("/v1/sentiment")
    .set("Authorization", `Bearer ${await t.keys.mint()}`);
  for (const [name, value] of Object.entries(headers)) req.set(name, value);
  return req.send({ text: "good news for John Smith" });
}

async function metricLine(t: TestApp, prefix: string): Promise<string | undefined> {
  return (await t.metrics.render()).split("\n").find((l) => l.startsWith(prefix));
}

async function inflight(t: TestApp): Promise<number> {
  for (const sample of t.metrics.samplers) sample();
  return (await t.metrics.inflight.get()).values[0]?.value ?? 0;
}

/** Lets the event loop run until `done()` holds: the server reacts to sockets and timers in its own time. */
async function until(done: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await done())) await new Promise((resolve) => setTimeout(resolve, 2));
}

describe("admission by estimated wait", () => {
  it("admits while the estimated wait fits the remaining budget and refuses once it does not", () => {
    let now = 0;
    const admission = new AdmissionController({ now: () => now });
    const first = admission.admit(1, 1000);
    assert.ok(first.admitted);
    now += 100;
    first.ticket.finish(true);
    assert.equal(admission.serviceTimePerTextMs, 100);

    for (let i = 0; i < 3; i++) assert.ok(admission.admit(1, 1000).admitted);
    // Three texts ahead plus two of its own at 100 ms each: 500 ms, more than the 400 ms left.
    const refused = admission.admit(2, 400);
    assert.deepEqual(refused, { admitted: false, estimateMs: 500, retryAfterSeconds: 1 });
    assert.ok(admission.admit(2, 500).admitted);
  });

  it("always admits into an empty system, so one slow call cannot shut the door for good", () => {
    let now = 0;
    const admission = new AdmissionController({ now: () => now, smoothing: 1 });
    const slow = admission.admit(1, 100);
    assert.ok(slow.admitted);
    now += 10_000;
    slow.ticket.finish(true);
    assert.ok(admission.admit(1, 100).admitted);
    assert.equal(admission.admit(1, 100).admitted, false);
  });

  it("learns only from calls that succeeded", () => {
    let now = 0;
    const admission = new AdmissionController({ now: () => now });
    const failed = admission.admit(1, 1000);
    assert.ok(failed.admitted);
    now += 5;
    failed.ticket.finish(false);
    assert.equal(admission.serviceTimePerTextMs, undefined);
    assert.equal(admission.textsInSystem, 0);
  });

  it("answers 503 overloaded with Retry-After at once when a request cannot finish within its budget", async () => {
    const backend = new BlockingBackend();
    const t = await buildTestApp({ backend });
    // One call that takes at least 30 ms teaches admission a time per text of at least 30 ms.
    const first = sentiment(t).then((r) => r);
    await backend.whenBlocked(1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    backend.release();
    assert.equal((await first).status, 200);

    const held = [sentiment(t), sentiment(t), sentiment(t)].map((r) => r.then((res) => res));
    await backend.whenBlocked(3);
    // Three ahead and itself at >= 30 ms each cannot fit in 100 ms.
    const refused = await sentiment(t, { [REQUEST_TIMEOUT_HEADER]: "100" });
    assert.equal(refused.status, 503);
    assert.equal(refused.body.type, `${PROBLEM}overloaded`);
    assert.equal(refused.headers["retry-after"], "1");
    assert.equal(backend.blocked, 3, "the refused request never reached the backend");
    assert.match((await metricLine(t, 'gateway_shed_total{reason="estimate"}')) ?? "", / 1$/);
    backend.release();
    assert.deepEqual(
      (await Promise.all(held)).map((r) => r.status),
      [200, 200, 200],
    );
  });
});

describe("budget expiry", { timeout: 30_000 }, () => {
  it("answers 504 deadline-exceeded when the budget runs out while waiting for a slot, and never calls the backend", async () => {
    const backend = new BlockingBackend();
    const t = await buildTestApp({ backend, env: { MAX_INFLIGHT: "1" } });
    const running = sentiment(t).then((r) => r);
    await backend.whenBlocked(1);
    const expired = await sentiment(t, { [REQUEST_TIMEOUT_HEADER]: "50" });
    assert.equal(expired.status, 504);
    assert.equal(expired.body.type, `${PROBLEM}deadline-exceeded`);
    assert.equal(expired.body.stage, "gateway_queue");
    assert.match((await metricLine(t, 'gateway_deadline_expired_total{stage="gateway_queue"}')) ?? "", / 1$/);
    backend.release();
    assert.equal((await running).status, 200);
    assert.equal(backend.received.length, 1, "the expired request never reached the backend");
  });

  it("drops a request whose budget runs out in the batcher queue before the model runs it", async () => {
    const backend = new BatchingBackend();
    const t = await buildTestApp({ backend });
    backend.hold();
    const running = sentiment(t).then((r) => r);
    await until(() => backend.running === 1);
    const expired = await sentiment(t, { [REQUEST_TIMEOUT_HEADER]: "50" });
    assert.equal(expired.status, 504);
    assert.equal(expired.body.stage, "backend_queue");
    backend.release();
    assert.equal((await running).status, 200);
    assert.equal(backend.ran.length, 1, "only the first request's batch ran");
  });

  it("runs a request under the client's lower Request-Timeout and records the budget in use", async () => {
    const t = await buildTestApp({ env: { REQUEST_DEADLINE_MS: "2000" } });
    assert.equal((await sentiment(t, { [REQUEST_TIMEOUT_HEADER]: "250" })).status, 200);
    assert.match((await metricLine(t, 'gateway_request_budget_seconds_bucket{le="0.25"}')) ?? "", / 1$/);
    assert.match((await metricLine(t, "gateway_request_deadline_seconds")) ?? "", / 2$/);
  });

  const badHeaders: Array<[string, string]> = [
    ["text", "soon"],
    ["zero", "0"],
    ["a negative number", "-5"],
    ["a fraction", "1.5"],
    ["units", "100ms"],
    ["more than REQUEST_DEADLINE_MS", "1001"],
    ["two values", "100, 200"],
  ];
  for (const [label, value] of badHeaders) {
    it(`answers 400 invalid-header naming ${REQUEST_TIMEOUT_HEADER} for ${label}`, async () => {
      const backend = new BlockingBackend();
      const t = await buildTestApp({ backend, env: { REQUEST_DEADLINE_MS: "1000" } });
      const res = await sentiment(t, { [REQUEST_TIMEOUT_HEADER]: value });
      assert.equal(res.status, 400);
      assert.match(res.headers["content-type"] ?? "", /^application\/problem\+json/);
      assert.equal(res.body.type, `${PROBLEM}invalid-header`);
      assert.equal(res.body.header, REQUEST_TIMEOUT_HEADER);
      assert.deepEqual([res.body.minimum, res.body.maximum], [1, 1000]);
      // The request id is a random UUID, which may contain "-5" or "1001" by chance: look everywhere else.
      const { requestId: _requestId, ...problem } = res.body;
      const echoed = JSON.stringify(problem).includes(value) && !/^\d+$/.test(value);
      assert.ok(!echoed, "the problem does not echo the value");
      assert.equal(backend.received.length, 0);
    });
  }
});

describe("budget metrics", () => {
  it("label shed and expired requests with fixed words only, never with anything the client sent", async () => {
    const backend = new BlockingBackend();
    const t = await buildTestApp({ backend, env: { MAX_INFLIGHT: "1", MAX_PENDING: "0" } });
    const held = sentiment(t).then((r) => r);
    await backend.whenBlocked(1);
    assert.equal((await sentiment(t, { [REQUEST_TIMEOUT_HEADER]: "777" })).status, 503);
    assert.equal((await sentiment(t, { [REQUEST_TIMEOUT_HEADER]: "77x" })).status, 400);
    backend.release();
    await held;
    const text = await t.metrics.render();
    const labelValues = [
      ...text.matchAll(/^gateway_(?:shed|deadline_expired)_total\{[a-z]+="([^"]*)"\}/gm),
    ].map((m) => m[1]);
    assert.deepEqual(labelValues, ["capacity"]);
    const allLabels = [...text.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]).join(" ");
    for (const sent of ["777", "77x", "John Smith", "good news"]) assert.ok(!allLabels.includes(sent), sent);
  });
});

/** The app on a real socket, so a client can really go away. */
async function serve(t: TestApp): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(t.app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/sentiment`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function post(url: string, token: string, text: string, signal?: AbortSignal): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ text }),
    signal,
  });
}

describe("cancellation", { timeout: 30_000 }, () => {
  it("a client that disconnects takes its queued work with it: the model never runs abandoned requests", async () => {
    const backend = new BatchingBackend();
    const t = await buildTestApp({ backend });
    const server = await serve(t);
    const token = await t.keys.mint();
    try {
      backend.hold();
      const kept = post(server.url, token, "kept");
      await until(() => backend.running === 1);
      const clients = [new AbortController(), new AbortController(), new AbortController()];
      const abandoned = clients.map((c, i) => post(server.url, token, `abandoned ${i}`, c.signal));
      await until(() => backend.stats().queueDepth === 3);
      for (const c of clients) c.abort();
      await Promise.allSettled(abandoned);
      await until(() => backend.stats().queueDepth === 0);
      backend.release();
      assert.equal((await kept).status, 200);
      assert.deepEqual(backend.ran, [["kept"]], "no batch of abandoned requests ran");
    } finally {
      await server.close();
    }
  });

  it("a client that disconnects frees its slot for the next caller", async () => {
    const backend = new BatchingBackend();
    const t = await buildTestApp({ backend, env: { MAX_INFLIGHT: "1", MAX_PENDING: "0" } });
    const server = await serve(t);
    const token = await t.keys.mint();
    try {
      backend.hold();
      const gone = new AbortController();
      const first = post(server.url, token, "gone", gone.signal);
      await until(() => backend.running === 1);
      gone.abort();
      await first.catch(() => undefined);
      await until(async () => (await inflight(t)) === 0);
      // With MAX_PENDING=0 a slot still taken would answer 503 at once.
      const next = post(server.url, token, "next");
      await until(() => backend.stats().queueDepth === 1);
      backend.release();
      assert.equal((await next).status, 200);
      assert.deepEqual(backend.ran, [["gone"], ["next"]]);
    } finally {
      backend.release();
      await server.close();
    }
  });
});
