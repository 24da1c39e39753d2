import assert from "node:assert/strict";
import { describe, it } from "node:test";
import request from "supertest";
import { AdmissionController, CORRECTION } from "../src/limits/admission";
import { REQUEST_TIMEOUT_HEADER } from "../src/limits/deadline";
import { buildTestApp } from "./support/app";
import { BlockingBackend } from "./support/doubles";

/** An admission controller on a clock the test moves, taught a time per text of 100 ms by one call. */
function taught() {
  const clock = { now: 0 };
  const admission = new AdmissionController({ now: () => clock.now, smoothing: 1 });
  const first = admission.admit(1, 1000);
  assert.ok(first.admitted);
  clock.now += 100;
  first.ticket.finish(true);
  assert.equal(admission.serviceTimePerTextMs, 100);
  return { admission, clock };
}

function admitted(admission: AdmissionController, remainingMs: number) {
  const decision = admission.admit(1, remainingMs);
  assert.ok(decision.admitted, `admitted with ${remainingMs} ms left`);
  return decision.ticket;
}

describe("admission corrects its estimate by what admitted requests did", () => {
  it("an admitted request that runs out of budget makes every later estimate larger", () => {
    const { admission, clock } = taught();
    const before = admission.estimateMs(1);
    const late = admitted(admission, 300);
    clock.now += 300;
    late.finish(false);
    assert.equal(admission.correctionFactor, CORRECTION.growth);
    assert.equal(admission.estimateMs(1), before * CORRECTION.growth);
  });

  it("after misses, a request the plain estimate would admit is shed at once", () => {
    const { admission, clock } = taught();
    const holder = admitted(admission, 10_000);
    // Two texts at 100 ms fit 250 ms while nothing has been missed.
    assert.equal(admission.estimateMs(1) <= 250, true);
    for (let i = 0; i < 2; i++) {
      const late = admitted(admission, 1_000);
      clock.now += 1_000;
      late.finish(false);
    }
    const refused = admission.admit(1, 250);
    assert.equal(refused.admitted, false);
    holder.finish(true);
  });

  it("while nothing is missed the correction relaxes back to 1, its excess halving every half-life", () => {
    const { admission, clock } = taught();
    const late = admitted(admission, 50);
    clock.now += 50;
    late.finish(false);
    assert.equal(admission.correctionFactor, CORRECTION.growth);
    clock.now += CORRECTION.halfLifeMs;
    assert.equal(admission.correctionFactor, 1 + (CORRECTION.growth - 1) / 2);
    clock.now += 20 * CORRECTION.halfLifeMs;
    assert.ok(admission.correctionFactor - 1 < 1e-5);
    assert.ok(admission.correctionFactor >= 1, "never below the line itself");
  });

  it("a call that fails early (client gone, backend error) does not count as a miss", () => {
    const { admission, clock } = taught();
    const late = admitted(admission, 50);
    clock.now += 50;
    late.finish(false);
    const early = admitted(admission, 1_000);
    clock.now += 10;
    const before = admission.correctionFactor;
    early.finish(false);
    assert.equal(admission.correctionFactor, before);
    assert.ok(before > 1 && before < CORRECTION.growth);
  });

  it("the correction is bounded, so a backend that was down cannot shut the door for long", () => {
    const { admission, clock } = taught();
    for (let i = 0; i < 50; i++) {
      const late = admitted(admission, 1);
      clock.now += 1;
      late.finish(false);
    }
    assert.ok(Math.abs(admission.correctionFactor - CORRECTION.max) < 1e-9);
  });
});

describe("admission follows a backend whose throughput changes", () => {
  it("the time per text moves more than half of the way to a slower backend's within four windows of 16 texts", () => {
    const clock = { now: 0 };
    const admission = new AdmissionController({ now: () => clock.now });
    // One text at a time, 50 ms each, then the backend slows to 200 ms per text.
    for (const [count, ms] of [
      [32, 50],
      [64, 200],
    ]) {
      for (let i = 0; i < (count as number); i++) {
        const ticket = admitted(admission, 100_000);
        clock.now += ms as number;
        ticket.finish(true);
      }
    }
    const learned = admission.serviceTimePerTextMs ?? 0;
    assert.ok(learned > 125 && learned <= 200, `learned ${learned} ms per text`);
  });
});

describe("the correction on the metrics port", () => {
  it("gateway_admission_correction_ratio is 1 until an admitted request misses its budget, then above 1", {
    timeout: 30_000,
  }, async () => {
    const backend = new BlockingBackend();
    const t = await buildTestApp({ backend });
    const correction = async () => {
      for (const sample of t.metrics.samplers) sample();
      return (await t.metrics.admissionCorrection.get()).values[0]?.value;
    };
    assert.equal(await correction(), 1);
    const late = request(t.app)
      .post("/v1/sentiment")
      .set("Authorization", `Bearer ${await t.keys.mint()}`)
      .set(REQUEST_TIMEOUT_HEADER, "300")
      .send({ text: "good news" })
      .then((r) => r);
    const first = await Promise.race([backend.whenBlocked(1).then(() => "blocked"), late]);
    assert.equal(first, "blocked", "the request reached the backend within its budget");
    // The backend holds the call past its 300 ms budget; released, it answers late.
    await new Promise((resolve) => setTimeout(resolve, 350));
    backend.release();
    await late;
    assert.ok(((await correction()) ?? 0) > 1);
  });
});
