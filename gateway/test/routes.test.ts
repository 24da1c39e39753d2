import assert from "node:assert/strict";
import { describe, it } from "node:test";
import request from "supertest";
import { createDeidentifier, defaultRegistry } from "../src/deid/index";
import { buildTestApp } from "./support/app";
import { writeClientsFile } from "./support/clients";
import { RecordingBackend } from "./support/doubles";
import { servedRoutes } from "./support/served-routes";

const PROBLEM = /^application\/problem\+json/;

describe("API routes", () => {
  it("POST /v1/sentiment de-identifies the text, classifies only the de-identified text, and reports PHI counts", async () => {
    const backend = new RecordingBackend();
    const t = await buildTestApp({ backend });
    const res = await request(t.app)
      .post("/v1/sentiment")
      .set("Authorization", `Bearer ${await t.keys.mint()}`)
      .send({ text: "John Smith felt much better on 03/14/2024." })
      .expect(200);
    assert.deepEqual(backend.received, [["[NAME] felt much better on [DATE]."]]);
    assert.equal(res.body.label, "POSITIVE");
    assert.equal(res.body.score, 0.9);
    assert.deepEqual(res.body.model, { name: "distilbert_sst2", version: "1", synthetic: true });
    assert.deepEqual(res.body.phi, { count: 2, types: { NAME: 1, DATE: 1 } });
    assert.equal(res.body.requestId, res.headers["x-request-id"]);
    assert.equal(res.body.truncated, false);
    assert.deepEqual(Object.keys(res.body).sort(), [
      "label",
      "model",
      "phi",
      "requestId",
      "score",
      "truncated",
    ]);
    assert.equal(
      res.headers["cache-control"],
      "no-store",
      "no shared cache keeps answers about clinical text",
    );
    assert.equal(res.headers["x-content-type-options"], "nosniff");
  });

  it("POST /v1/sentiment reports when the backend classified only the beginning of a long text", async () => {
    const backend = new RecordingBackend();
    backend.classify = async (texts) => texts.map(() => ({ label: "NEGATIVE", score: 0.7, truncated: true }));
    const t = await buildTestApp({ backend });
    const res = await request(t.app)
      .post("/v1/sentiment")
      .set("Authorization", `Bearer ${await t.keys.mint()}`)
      .send({ text: "word ".repeat(1000) })
      .expect(200);
    assert.equal(res.body.truncated, true);
  });

  it("POST /v1/sentiment/batch answers one result per text, in order, from one backend call", async () => {
    const backend = new RecordingBackend();
    const t = await buildTestApp({ backend });
    const res = await request(t.app)
      .post("/v1/sentiment/batch")
      .set("Authorization", `Bearer ${await t.keys.mint()}`)
      .send({ texts: ["great care from John Smith", "awful wait", "MRN 12345678 is fine"] })
      .expect(200);
    assert.equal(backend.received.length, 1);
    assert.deepEqual(backend.received[0], ["great care from [NAME]", "awful wait", "[MRN] is fine"]);
    assert.deepEqual(
      res.body.results.map((r: { label: string; phi: unknown }) => [r.label, r.phi]),
      [
        ["POSITIVE", { count: 1, types: { NAME: 1 } }],
        ["NEGATIVE", { count: 0, types: {} }],
        ["NEGATIVE", { count: 1, types: { MRN: 1 } }],
      ],
    );
  });

  it("POST /v1/deidentify answers the rewritten text and entity offsets into the input", async () => {
    const t = await buildTestApp();
    const text = "Call John Smith at 555-867-5309.";
    const res = await request(t.app)
      .post("/v1/deidentify")
      .set("Authorization", `Bearer ${await t.keys.mint({ scope: "phi:deidentify" })}`)
      .send({ text })
      .expect(200);
    assert.equal(res.body.text, "Call [NAME] at [PHONE].");
    assert.deepEqual(res.body.entities, [
      { type: "NAME", start: 5, end: 15 },
      { type: "PHONE", start: 19, end: 31 },
    ]);
    assert.equal(text.slice(5, 15), "John Smith");
  });

  it("GET /healthz answers 200 while the process is serving", async () => {
    const t = await buildTestApp({ backend: undefined });
    const res = await request(t.app).get("/healthz").expect(200);
    assert.deepEqual(res.body, { status: "ok" });
  });

  it("HEAD /healthz answers 200 (GET routes also answer HEAD)", async () => {
    const t = await buildTestApp();
    await request(t.app).head("/healthz").expect(200);
  });

  it("GET /readyz answers 200 with the model when the backend reports ready", async () => {
    const t = await buildTestApp();
    const res = await request(t.app).get("/readyz").expect(200);
    assert.equal(res.body.status, "ready");
    assert.equal(res.body.model.name, "distilbert_sst2");
  });

  it("GET /readyz answers 503 while the backend is not ready", async () => {
    const backend = new RecordingBackend();
    backend.isReady = false;
    const t = await buildTestApp({ backend });
    const res = await request(t.app).get("/readyz").expect(503).expect("Content-Type", PROBLEM);
    assert.equal(res.body.type, "urn:clinical-inference:problem:not-ready");
  });

  it("GET /readyz answers 503 once the gateway is draining", async () => {
    const t = await buildTestApp();
    t.state.draining = true;
    const res = await request(t.app).get("/readyz").expect(503);
    assert.equal(res.body.type, "urn:clinical-inference:problem:shutting-down");
  });

  it("GET /.well-known/jwks.json publishes the public signing key and no private members", async () => {
    const t = await buildTestApp({ oauthClientsFile: await clientsFileFor() });
    const res = await request(t.app).get("/.well-known/jwks.json").expect(200);
    assert.equal(res.body.keys.length, 1);
    assert.equal(res.body.keys[0].kid, t.keys.kid);
    for (const member of ["d", "p", "q", "dp", "dq", "qi", "k"])
      assert.equal(member in res.body.keys[0], false);
  });

  it("GET /openapi.json is an OpenAPI 3.1 document describing every route the app serves", async () => {
    const t = await buildTestApp();
    const res = await request(t.app).get("/openapi.json").expect(200).expect("Content-Type", /json/);
    assert.equal(res.body.openapi, "3.1.0");
    for (const [path, methods] of await servedRoutes(t.app)) {
      for (const method of methods.filter((m) => m !== "HEAD")) {
        assert.ok(res.body.paths[path]?.[method.toLowerCase()], `${method} ${path} is documented`);
      }
    }
    assert.equal(res.body.components.schemas.SentimentRequest.properties.text.maxLength, 8192);
  });

  it("an unknown path answers 404 problem+json", async () => {
    const t = await buildTestApp();
    const res = await request(t.app).get("/v2/anything").expect(404).expect("Content-Type", PROBLEM);
    assert.equal(res.body.type, "urn:clinical-inference:problem:not-found");
    assert.equal(res.body.status, 404);
  });

  it("a known path with the wrong method answers 405 with an Allow header", async () => {
    const t = await buildTestApp();
    const get = await request(t.app).get("/v1/sentiment").expect(405).expect("Content-Type", PROBLEM);
    assert.equal(get.headers.allow, "POST");
    assert.equal(get.body.type, "urn:clinical-inference:problem:method-not-allowed");
    const del = await request(t.app).delete("/healthz").expect(405);
    assert.equal(del.headers.allow, "GET, HEAD");
  });

  it("metrics label each request with its route's path template, a 405 included, never the raw URL", async () => {
    const t = await buildTestApp();
    await request(t.app).get("/healthz?patient=John+Smith").expect(200);
    await request(t.app).delete("/readyz").expect(405);
    const text = await t.metrics.render();
    assert.match(text, /gateway_http_requests_total\{route="\/healthz",method="GET",status="200"\} 1/);
    assert.match(text, /gateway_http_requests_total\{route="\/readyz",method="DELETE",status="405"\} 1/);
    assert.doesNotMatch(text, /John|patient/);
  });

  it("/v1/sentiment answers 503 naming the missing backend instead of predicting anything", async () => {
    const t = await buildTestApp({ backend: undefined });
    const res = await request(t.app)
      .post("/v1/sentiment")
      .set("Authorization", `Bearer ${await t.keys.mint()}`)
      .send({ text: "fine" })
      .expect(503)
      .expect("Content-Type", PROBLEM);
    assert.equal(res.body.type, "urn:clinical-inference:problem:dependency-missing");
    assert.equal(res.body.missing, "inference backend");
  });

  it("/v1/deidentify answers 503 naming the missing engine instead of echoing the text", async () => {
    const t = await buildTestApp({ deidentifier: undefined });
    const res = await request(t.app)
      .post("/v1/deidentify")
      .set("Authorization", `Bearer ${await t.keys.mint()}`)
      .send({ text: "John Smith" })
      .expect(503);
    assert.equal(res.body.missing, "de-identification engine");
    assert.doesNotMatch(JSON.stringify(res.body), /John/);
  });

  it("a detector that fails during a request answers 503 dependency-missing and never reaches the backend", async () => {
    const failing = defaultRegistry().add({
      name: "failing-model",
      findAsync: () => Promise.reject(new Error("session run failed")),
    });
    const deidentifier = createDeidentifier(
      { operators: {}, defaultOperator: "replace", strict: false, key: new Uint8Array(32), maxShiftDays: 30 },
      { registry: failing },
    );
    const backend = new RecordingBackend();
    const t = await buildTestApp({ backend, deidentifier });
    for (const path of ["/v1/deidentify", "/v1/sentiment"]) {
      const res = await request(t.app)
        .post(path)
        .set("Authorization", `Bearer ${await t.keys.mint({ scope: "inference:invoke phi:deidentify" })}`)
        .send({ text: "John Smith" })
        .expect(503);
      assert.equal(res.body.missing, "de-identification engine", path);
      assert.doesNotMatch(JSON.stringify(res.body), /John/);
    }
    assert.equal(backend.received.length, 0);
    assert.doesNotMatch(t.logs.text(), /John/);
  });

  it("/v1/sentiment never reaches the backend when the de-identifier is missing", async () => {
    const backend = new RecordingBackend();
    const t = await buildTestApp({ backend, deidentifier: undefined });
    await request(t.app)
      .post("/v1/sentiment")
      .set("Authorization", `Bearer ${await t.keys.mint()}`)
      .send({ text: "John Smith" })
      .expect(503);
    assert.deepEqual(backend.received, []);
  });
});

function clientsFileFor(): Promise<string> {
  return writeClientsFile([
    { clientId: "svc", secret: "s3cret-s3cret-s3cret", scopes: ["inference:invoke"] },
  ]);
}
