import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { OrderedWriter, reconcileFhirOutput, writtenIds } from "../src/batch/checkpoint";
import { deidentifiedResource, REDACTED_SECURITY_LABEL } from "../src/batch/fhir-output";
import { InputError } from "../src/batch/input/index";
import { renderBar, renderLine, renderSummary } from "../src/batch/progress";
import { parseRetryAfter, RETRY_AFTER_JITTER_MS, RETRY_MAX_MS, retryDelayMs } from "../src/batch/retry";
import { fixture, phiIn, readLines, tempDir } from "./fixtures/batch/harness";

describe("batch checkpoint and output", () => {
  it("a line torn by a kill is cut on resume, so its record counts as not done and is written again", () => {
    const out = path.join(tempDir(), "out.jsonl");
    writeFileSync(
      out,
      '{"id":"a","phi":{"count":0,"types":{}}}\n{"id":"b","phi":{"count":0,"types":{}}}\n{"id":"c","ph',
    );
    assert.deepEqual([...writtenIds(out)], ["a", "b"]);
    assert.equal(readFileSync(out, "utf8").endsWith('"types":{}}}\n'), true);
  });

  it("an --out file that is not a batch output is refused rather than appended to", () => {
    const out = path.join(tempDir(), "notes.csv");
    writeFileSync(out, "id,text\n1,x\n");
    assert.throws(
      () => writtenIds(out),
      (err: Error) => err instanceof InputError && /line 1 is not a batch output line/.test(err.message),
    );
  });

  it("FHIR resources written ahead of the main output are dropped on resume", () => {
    const fhir = path.join(tempDir(), "fhir.ndjson");
    writeFileSync(
      fhir,
      '{"resourceType":"DocumentReference","id":"1"}\n{"resourceType":"DocumentReference","id":"2"}\n{"resourceType":"Docu',
    );
    reconcileFhirOutput(fhir, new Set(["DocumentReference/1"]));
    assert.equal(readFileSync(fhir, "utf8"), '{"resourceType":"DocumentReference","id":"1"}\n');
  });

  it("the ordered writer writes completions in input order whatever order they finish in", () => {
    const dir = tempDir();
    const paths = { out: path.join(dir, "out.jsonl"), errors: path.join(dir, "errors.jsonl") };
    const writer = new OrderedWriter(paths);
    writer.complete({ seq: 2, out: '{"id":"c"}\n' });
    writer.complete({ seq: 1, error: '{"line":2,"reason":"empty text"}\n' });
    assert.equal(readFileSync(paths.out, "utf8"), "", "nothing is written while record 0 is outstanding");
    writer.complete({ seq: 0, out: '{"id":"a"}\n' });
    writer.close();
    assert.deepEqual(readLines(paths.out), [{ id: "a" }, { id: "c" }]);
    assert.deepEqual(readLines(paths.errors), [{ line: 2, reason: "empty text" }]);
  });

  it("the de-identified FHIR copy keeps the document's kind, replaces the note and labels it REDACTED, dropping subject, dates, narrative and other attachments", () => {
    const resource = JSON.parse(readFileSync(fixture("fhir.ndjson"), "utf8").split("\n")[0] as string);
    const copy = deidentifiedResource(
      { resource, field: "content", index: 1 },
      "Patient [NAME] felt better.",
    );
    assert.deepEqual(copy, {
      resourceType: "DocumentReference",
      id: "doc-1",
      status: "current",
      docStatus: "final",
      type: resource.type,
      meta: { security: [REDACTED_SECURITY_LABEL] },
      content: [
        {
          attachment: {
            contentType: "text/plain; charset=utf-8",
            data: Buffer.from("Patient [NAME] felt better.").toString("base64"),
          },
        },
      ],
    });
    assert.deepEqual(REDACTED_SECURITY_LABEL, {
      system: "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
      code: "REDACTED",
      display: "redacted",
    });
    assert.deepEqual(phiIn(JSON.stringify(copy)), []);
  });

  it("a DiagnosticReport copy carries its code and the note in presentedForm", () => {
    const resource = JSON.parse(readFileSync(fixture("fhir.ndjson"), "utf8").split("\n")[2] as string);
    const copy = deidentifiedResource({ resource, field: "presentedForm", index: 0 }, "Chest CT for [NAME].");
    assert.equal(copy.code, resource.code);
    assert.equal(copy.subject, undefined);
    assert.equal(copy.effectiveDateTime, undefined);
    assert.deepEqual(copy.presentedForm, [
      {
        contentType: "text/plain; charset=utf-8",
        data: Buffer.from("Chest CT for [NAME].").toString("base64"),
      },
    ]);
  });
});

describe("batch retry policy", () => {
  it("Retry-After is a floor: the wait is its seconds plus less than a second of jitter", () => {
    assert.equal(
      retryDelayMs(0, 2000, () => 0),
      2000,
    );
    assert.equal(
      retryDelayMs(5, 2000, () => 0.5),
      2000 + RETRY_AFTER_JITTER_MS / 2,
    );
    assert.ok(retryDelayMs(0, 2000, () => 0.999_999) < 2000 + RETRY_AFTER_JITTER_MS);
  });

  it("Retry-After is read as delta-seconds or as an HTTP date", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    assert.equal(parseRetryAfter("3", now), 3000);
    assert.equal(parseRetryAfter("Thu, 01 Jan 2026 00:00:05 GMT", now), 5000);
    assert.equal(parseRetryAfter("soon", now), undefined);
    assert.equal(parseRetryAfter(null, now), undefined);
  });

  it("without Retry-After the wait doubles with each attempt, half of it random, and stops growing at 30 s", () => {
    const low = (attempt: number) => retryDelayMs(attempt, undefined, () => 0);
    const high = (attempt: number) => retryDelayMs(attempt, undefined, () => 1);
    assert.deepEqual([0, 1, 2].map(low), [125, 250, 500]);
    assert.deepEqual([0, 1, 2].map(high), [250, 500, 1000]);
    assert.equal(high(20), RETRY_MAX_MS);
  });
});

describe("batch progress", () => {
  const state = { written: 240, failed: 10, skipped: 250, total: 1000, elapsedMs: 5000 };

  it("the terminal bar shows records, percent, rate, ETA and errors", () => {
    assert.equal(renderBar(state, 10), "[#####-----] 500/1000 50% | 50.0 rec/s | ETA 10s | 10 errors");
  });

  it("the plain progress line and the summary say the same in words", () => {
    assert.equal(renderLine(state), "batch: 500/1000 records (50%), 50.0 records/s, ETA 10s, 10 failed");
    assert.equal(
      renderSummary(state),
      "batch: 500 records, 240 written, 10 failed, 250 already done by an earlier run; 50.0 records/s in 5.0 s",
    );
  });
});
