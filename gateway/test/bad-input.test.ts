import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import request from "supertest";
import { buildTestApp, type TestApp } from "./support/app";
import { RecordingBackend } from "./support/doubles";

const P = "urn:clinical-inference:problem:";

describe("bad input on /v1 routes answers problem+json", () => {
  let t: TestApp;
  let token: string;
  let backend: RecordingBackend;
  before(async () => {
    backend = new RecordingBackend();
    t = await buildTestApp({
      backend,
      env: { MAX_BODY_BYTES: "1024", MAX_TEXT_CHARS: "100", MAX_BATCH_TEXTS: "3" },
    });
    token = await t.keys.mint();
  });

  function post(path: string) {
    return request(t.app).post(path).set("Authorization", `Bearer ${token}`);
  }

  async function expectProblem(res: request.Response, status: number, slug: string) {
    assert.equal(res.status, status);
    assert.match(String(res.headers["content-type"]), /^application\/problem\+json/);
    assert.equal(res.body.type, P + slug);
    assert.equal(res.body.status, status);
    assert.equal(typeof res.body.title, "string");
    assert.equal(typeof res.body.detail, "string");
    assert.equal(res.body.requestId, res.headers["x-request-id"]);
    assert.doesNotMatch(res.text, /at .*\.ts:\d+/, "no stack trace");
  }

  it("invalid JSON answers 400 without quoting the body", async () => {
    const res = await post("/v1/sentiment")
      .set("Content-Type", "application/json")
      .send('{"text": "John Smith');
    await expectProblem(res, 400, "invalid-json");
    assert.doesNotMatch(res.text, /John/);
  });

  it("a JSON body that is not an object answers 400", async () => {
    const res = await post("/v1/sentiment").set("Content-Type", "application/json").send('"just a string"');
    await expectProblem(res, 400, "invalid-request");
  });

  it("a missing body answers 415 (no JSON content type)", async () => {
    await expectProblem(await post("/v1/sentiment"), 415, "unsupported-media-type");
  });

  it("a text/plain body answers 415", async () => {
    const res = await post("/v1/sentiment").set("Content-Type", "text/plain").send("hello");
    await expectProblem(res, 415, "unsupported-media-type");
  });

  it("a non-UTF-8 charset answers 415", async () => {
    const res = await post("/v1/sentiment")
      .set("Content-Type", "application/json; charset=latin1")
      .send('{"text":"x"}');
    await expectProblem(res, 415, "unsupported-media-type");
  });

  it("a compressed body answers 415 (no decompression, so no zip bombs)", async () => {
    const res = await post("/v1/sentiment")
      .set("Content-Type", "application/json")
      .set("Content-Encoding", "gzip")
      .send('{"text":"x"}');
    await expectProblem(res, 415, "unsupported-media-type");
  });

  it("a body over MAX_BODY_BYTES answers 413", async () => {
    const res = await post("/v1/sentiment").send({ text: "a".repeat(2000) });
    await expectProblem(res, 413, "body-too-large");
    assert.equal(res.body.maxBodyBytes, 1024);
  });

  it("a text over MAX_TEXT_CHARS answers 413", async () => {
    const res = await post("/v1/sentiment").send({ text: "a".repeat(101) });
    await expectProblem(res, 413, "text-too-long");
    assert.equal(res.body.maxTextChars, 100);
  });

  it("a batch with more than MAX_BATCH_TEXTS texts answers 413", async () => {
    const res = await post("/v1/sentiment/batch").send({ texts: ["a", "b", "c", "d"] });
    await expectProblem(res, 413, "too-many-texts");
    assert.equal(res.body.maxBatchTexts, 3);
  });

  it("a missing text field answers 422 with a JSON Pointer", async () => {
    const res = await post("/v1/sentiment").send({});
    await expectProblem(res, 422, "invalid-field");
    assert.deepEqual(res.body.errors, [{ pointer: "/text", detail: "/text is required" }]);
  });

  it("a non-string text answers 422", async () => {
    await expectProblem(await post("/v1/sentiment").send({ text: 42 }), 422, "invalid-field");
  });

  it("an empty or whitespace-only text answers 422", async () => {
    await expectProblem(await post("/v1/sentiment").send({ text: "  \n" }), 422, "empty-text");
    await expectProblem(await post("/v1/deidentify").send({ text: "" }), 422, "empty-text");
  });

  it("an unknown field answers 422 so typos are not silently ignored", async () => {
    await expectProblem(await post("/v1/sentiment").send({ text: "x", txet: "y" }), 422, "invalid-field");
  });

  it("an empty batch answers 422", async () => {
    await expectProblem(await post("/v1/sentiment/batch").send({ texts: [] }), 422, "empty-text");
  });

  it("a batch that is not an array answers 422", async () => {
    await expectProblem(await post("/v1/sentiment/batch").send({ texts: "one" }), 422, "invalid-field");
  });

  it("a batch with a non-string item answers 422 pointing at the item", async () => {
    const res = await post("/v1/sentiment/batch").send({ texts: ["ok", null] });
    await expectProblem(res, 422, "invalid-field");
    assert.equal(res.body.errors[0].pointer, "/texts/1");
  });

  it("no rejected request reaches the backend", () => {
    assert.deepEqual(backend.received, []);
  });
});
