/**
 * The paper's security claim, end to end through the real de-identifier: whatever a client sends to
 * /v1/sentiment, the inference backend (and so Triton behind it) receives no identifier from it.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import request from "supertest";
import { createDeidentifier } from "../src/deid/index";
import { buildTestApp } from "./support/app";
import { RecordingBackend } from "./support/doubles";

const IDENTIFIERS = [
  "Maria Gonzalez",
  "93",
  "MRN 00482913",
  "(217) 555-0199",
  "maria.g@examplemail.org",
  "March 14, 2024",
  "12 Oak Street",
  "Springfield",
  "62704",
  "10.20.30.40",
];
const NOTE =
  `Mrs. ${IDENTIFIERS[0]}, ${IDENTIFIERS[1]} years old, ${IDENTIFIERS[2]}, phone ${IDENTIFIERS[3]}, ` +
  `email ${IDENTIFIERS[4]}, seen on ${IDENTIFIERS[5]}, lives at ${IDENTIFIERS[6]}, ${IDENTIFIERS[7]}, IL ` +
  `${IDENTIFIERS[8]}, portal login from ${IDENTIFIERS[9]}. Parkinson's disease stable, BP 128/82, ` +
  "pain 3/10, she feels much better on carbidopa/levodopa 25/100 mg.";

describe("the PHI boundary in front of the model", () => {
  it("sends the backend the clinical content with every identifier removed", async () => {
    const backend = new RecordingBackend();
    const t = await buildTestApp({
      backend,
      deidentifier: createDeidentifier({
        operators: {},
        defaultOperator: "replace",
        strict: false,
        key: randomBytes(32),
        maxShiftDays: 365,
      }),
    });
    const token = await t.keys.mint({ scope: "inference:invoke" });
    await request(t.app)
      .post("/v1/sentiment")
      .set("Authorization", `Bearer ${token}`)
      .send({ text: NOTE })
      .expect(200);

    const [[received]] = backend.received as [[string]];
    for (const identifier of IDENTIFIERS) {
      assert.ok(!received.includes(identifier), `the backend must not receive "${identifier}"`);
    }
    for (const clinical of [
      "Parkinson's disease",
      "BP 128/82",
      "pain 3/10",
      "25/100 mg",
      "feels much better",
    ]) {
      assert.ok(received.includes(clinical), `the backend needs the clinical content "${clinical}"`);
    }
  });
});
