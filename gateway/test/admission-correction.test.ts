import assert from "node:assert/strict";
import { describe, it } from "node:test";
import request from "supertest";
import { AdmissionController, CORRECTION } from "../src/limits/admission";
import { REQUEST_TIMEOUT_HEADER } from "../src/limits/deadline";
import { buildTestApp } from "./support/app";
import { BlockingBackend } from "./support/doubles";

interface Taught {
  admission: AdmissionController;
  clock: { now: number };
}

/**
 * An admission controller on a clock the test moves, taught a time per text of 100 ms (and no fixed part) by one
 * call. Its own smoothing is tiny, so later calls barely move the line and each test sets the line's error
 * itself; the helpers below read the line from the public getters all the same.
 */
function taught(): Taught {
  const clock = { now: 0 };
  const admission = new AdmissionController({ now: () => clock.now, smoothing: 1e-9 });
  const first = admission.admit(1, 1000);
  assert.ok(first.admitted);
  clock.now += 100;
  first.ticket.finish(true);
  assert.equal(admission.serviceTimePerTextMs, 100);
  assert.equal(admission.estimateMs(1), 100);
  return { admission, clock };
}

function admitted(admission: AdmissionController, remainingMs: number) {
  const decision = admission.admit(1, remainingMs);
  assert.ok(decision.admitted, `admitted with ${remainingMs} ms left`);
  return decision.ticket;
}

/** The line alone for one more text: the estimate without the correction. */
function lineMs(admission: AdmissionController): number {
  return admission.estimateMs(1) / admission.correctionFactor;
}

/** A budget at which a request is admitted near the door: halfway from its estimate to estimate ÷ marginalShare. */
function nearTheDoorBudgetMs(estimateMs: number): number {
  return ((1 + 1 / CORRECTION.marginalShare) / 2) * estimateMs;
}

/** One request admitted near the door and answered in time, `ratio` × the line's estimate after admission. */
function served({ admission, clock }: Taught, ratio: number): void {
  const line = lineMs(admission);
  const budget = nearTheDoorBudgetMs(admission.estimateMs(1));
  assert.ok(ratio * line < budget, `a ratio of ${ratio} is answered within its ${budget} ms`);
  const ticket = admitted(admission, budget);
  clock.now += ratio * line;
  ticket.finish(true);
}

/**
 * One request admitted at the door (its budget is its estimate) that runs out of budget: it fails `ratio` × the
 * line's estimate after admission (answered 504, so the line learns nothing from it).
 */
function expired({ admission, clock }: Taught, ratio: number): void {
  const line = lineMs(admission);
  const budget = admission.estimateMs(1);
  assert.ok(ratio * line > budget, `a ratio of ${ratio} outlasts its ${budget} ms`);
  const ticket = admitted(admission, budget);
  clock.now += ratio * line;
  ticket.finish(false);
}

function times(n: number, sample: () => void): void {
  for (let i = 0; i < n; i++) sample();
}

/** One window's step: the factor moved by CORRECTION.smoothing towards `target`, kept in [1, CORRECTION.max]. */
function step(from: number, target: number): number {
  return Math.min(CORRECTION.max, Math.max(1, from + CORRECTION.smoothing * (target - from)));
}

function near(actual: number, expected: number, message?: string): void {
  assert.ok(
    Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)),
    message ?? `${actual} ≈ ${expected}`,
  );
}

describe("admission corrects its line by the error measured on requests admitted near the door", () => {
  it("fewer than a window of samples leave the factor unchanged, however slow they were", () => {
    const t = taught();
    times(CORRECTION.windowSamples - 1, () => expired(t, 3));
    assert.equal(t.admission.correctionFactor, 1);
  });

  it("a full window of samples moves the factor by CORRECTION.smoothing towards the window's ratio", () => {
    const t = taught();
    const ratio = 1.2;
    times(CORRECTION.windowSamples, () => served(t, ratio));
    near(t.admission.correctionFactor, 1 + CORRECTION.smoothing * (ratio - 1));
    // The next window starts from there.
    const first = t.admission.correctionFactor;
    times(CORRECTION.windowSamples, () => served(t, ratio));
    near(t.admission.correctionFactor, first + CORRECTION.smoothing * (ratio - first));
  });

  it("the window's CORRECTION.quantile is used, not its maximum or mean: a few outliers do not move the factor", () => {
    const t = taught();
    // As many outliers as fit strictly inside the window's top (1 − quantile) share. The epsilon: in binary
    // 1 − 0.95 is 0.050000000000000044, and 40 of it rounds up to 3, not 2.
    const outliers = Math.ceil(CORRECTION.windowSamples * (1 - CORRECTION.quantile) - 1e-9) - 1;
    assert.ok(outliers >= 1, "the quantile leaves room for an outlier");
    times(CORRECTION.windowSamples - outliers, () => served(t, 1));
    // A window's maximum (or its mean, 3-4 here) would have moved the factor far above 1.
    times(outliers, () => expired(t, 100));
    near(t.admission.correctionFactor, 1);
  });

  it("a slow few, one more than the window's top (1 − quantile) share, set the target, not the window's mean or median", () => {
    const t = taught();
    const ratio = 1.2;
    // The epsilon as above: the top share of 40 at 0.95 is 2 samples.
    const slow = Math.ceil(CORRECTION.windowSamples * (1 - CORRECTION.quantile) - 1e-9) + 1;
    assert.ok(slow < CORRECTION.windowSamples / 2, "the slow ones are a minority");
    times(CORRECTION.windowSamples - slow, () => served(t, 1));
    times(slow, () => served(t, ratio));
    near(t.admission.correctionFactor, 1 + CORRECTION.smoothing * (ratio - 1));
  });

  it("a window whose quantile sample ran out of budget targets CORRECTION.censoredGrowth times its ratio", () => {
    const ratio = 1.2;
    const late = taught();
    times(CORRECTION.windowSamples, () => expired(late, ratio));
    near(late.admission.correctionFactor, 1 + CORRECTION.smoothing * (ratio * CORRECTION.censoredGrowth - 1));
    // The same ratio answered in time is an exact measurement, not a lower bound.
    const inTime = taught();
    times(CORRECTION.windowSamples, () => served(inTime, ratio));
    near(inTime.admission.correctionFactor, 1 + CORRECTION.smoothing * (ratio - 1));
    assert.ok(late.admission.correctionFactor > inTime.admission.correctionFactor);
  });

  it("requests admitted far from the door are not samples, however late they end", () => {
    const t = taught();
    const { admission, clock } = t;
    times(CORRECTION.windowSamples - 1, () => expired(t, 2));
    times(CORRECTION.windowSamples, () => {
      const estimate = admission.estimateMs(1);
      // The estimate is half of CORRECTION.marginalShare of this budget.
      const budget = (2 * estimate) / CORRECTION.marginalShare;
      const ticket = admitted(admission, budget);
      clock.now += 10 * budget;
      ticket.finish(false);
    });
    assert.equal(
      admission.correctionFactor,
      1,
      "the late requests far from the door did not complete the window",
    );
    expired(t, 2);
    near(admission.correctionFactor, 1 + CORRECTION.smoothing * (2 * CORRECTION.censoredGrowth - 1));
  });

  it("a call that fails early (client gone, backend error) is not a sample", () => {
    const t = taught();
    const { admission, clock } = t;
    times(CORRECTION.windowSamples - 1, () => expired(t, 2));
    times(CORRECTION.windowSamples, () => {
      const line = lineMs(admission);
      const ticket = admitted(admission, nearTheDoorBudgetMs(admission.estimateMs(1)));
      clock.now += line / 2;
      ticket.finish(false);
    });
    assert.equal(admission.correctionFactor, 1, "the early failures did not complete the window");
    expired(t, 2);
    near(admission.correctionFactor, 1 + CORRECTION.smoothing * (2 * CORRECTION.censoredGrowth - 1));
  });

  it("a cohort admitted together that all runs out of budget moves the factor one window step per window, not to CORRECTION.max", () => {
    const { admission, clock } = taught();
    const ratio = 3;
    // Two windows' worth admitted at once, each at the door (its budget is its estimate, the texts ahead of it
    // included), each failing at three times its line's estimate: one slow batch expiring its whole cohort.
    const cohort = Array.from({ length: 2 * CORRECTION.windowSamples }, () => {
      const estimate = admission.estimateMs(1);
      return { estimate, ticket: admitted(admission, estimate) };
    });
    const admittedAt = clock.now;
    const factors = cohort.map(({ estimate, ticket }) => {
      clock.now = admittedAt + ratio * estimate;
      ticket.finish(false);
      return admission.correctionFactor;
    });
    const oneStep = step(1, ratio * CORRECTION.censoredGrowth);
    const twoSteps = step(oneStep, ratio * CORRECTION.censoredGrowth);
    assert.ok(factors.slice(0, CORRECTION.windowSamples - 1).every((f) => f === 1));
    near(factors[CORRECTION.windowSamples - 1] ?? 0, oneStep);
    near(admission.correctionFactor, twoSteps);
    // ×1.5 per miss would have reached the cap within a handful of the 80.
    assert.ok(admission.correctionFactor < CORRECTION.max);
  });

  it("the factor never goes below 1: windows of samples faster than the line leave it at the line", () => {
    const t = taught();
    times(CORRECTION.windowSamples, () => served(t, 0.5));
    assert.equal(t.admission.correctionFactor, 1);
    times(CORRECTION.windowSamples, () => expired(t, 3));
    assert.ok(t.admission.correctionFactor > 1);
    times(4, () => {
      times(CORRECTION.windowSamples, () => served(t, 0.5));
      assert.ok(t.admission.correctionFactor >= 1);
    });
    assert.equal(t.admission.correctionFactor, 1);
  });

  it("the factor is capped at CORRECTION.max however late a window's requests end", () => {
    const t = taught();
    times(2, () => {
      times(CORRECTION.windowSamples, () => expired(t, 100 * CORRECTION.max));
      assert.equal(t.admission.correctionFactor, CORRECTION.max);
    });
    // Nothing succeeded since the first call, so the line is still one text × the time per text.
    assert.equal(t.admission.estimateMs(1), (t.admission.serviceTimePerTextMs ?? 0) * CORRECTION.max);
  });

  it("after a bad window, windows of accurate samples bring the factor back towards 1, each keeping (1 − smoothing) of its excess", () => {
    const t = taught();
    times(CORRECTION.windowSamples, () => expired(t, 3));
    const excess = t.admission.correctionFactor - 1;
    assert.ok(excess > 0);
    for (let window = 1; window <= 3; window++) {
      times(CORRECTION.windowSamples, () => served(t, 1));
      near(t.admission.correctionFactor - 1, excess * (1 - CORRECTION.smoothing) ** window);
    }
  });

  it("after misses raised the factor, a request the plain line would admit is shed, its estimate the line times the factor", () => {
    const t = taught();
    times(CORRECTION.windowSamples, () => expired(t, 3));
    const factor = t.admission.correctionFactor;
    assert.ok(factor > 1);
    const holder = admitted(t.admission, 1_000_000);
    // Nothing succeeded since the first call: the line is the texts in the system and this one × the time per text.
    const line = (t.admission.textsInSystem + 1) * (t.admission.serviceTimePerTextMs ?? 0);
    // A budget the plain line fits, the corrected estimate does not.
    const budget = (line + line * factor) / 2;
    const refused = t.admission.admit(1, budget);
    assert.equal(refused.admitted, false);
    if (!refused.admitted) near(refused.estimateMs, line * factor);
    holder.finish(true);
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
  it("gateway_admission_correction_ratio stays 1 until a window of requests admitted near the door ran out of budget, then is above 1", {
    timeout: 60_000,
  }, async () => {
    const backend = new BlockingBackend();
    const t = await buildTestApp({ backend });
    const token = await t.keys.mint();
    const correction = async () => {
      for (const sample of t.metrics.samplers) sample();
      return (await t.metrics.admissionCorrection.get()).values[0]?.value;
    };
    /** One request the backend holds for `holdMs` before answering; alone in the gateway, so always admitted. */
    const held = async (holdMs: number, budgetMs?: number) => {
      let call = request(t.app).post("/v1/sentiment").set("Authorization", `Bearer ${token}`);
      if (budgetMs !== undefined) call = call.set(REQUEST_TIMEOUT_HEADER, String(budgetMs));
      const answer = call.send({ text: "good news" }).then((r) => r);
      const first = await Promise.race([backend.whenBlocked(1).then(() => "blocked"), answer]);
      assert.equal(first, "blocked", "the request reached the backend");
      await new Promise((resolve) => setTimeout(resolve, holdMs));
      backend.release();
      await answer;
    };
    // The first call teaches a time per text of at least 30 ms (it is no sample: there was no line yet), so a
    // request with a 50 ms budget is admitted near the door; held 80 ms, it answers out of budget.
    await held(30);
    assert.equal(await correction(), 1);
    for (let i = 0; i < CORRECTION.windowSamples - 1; i++) await held(80, 50);
    assert.equal(await correction(), 1, "one window is one step: the requests before it are not");
    await held(80, 50);
    assert.ok(((await correction()) ?? 0) > 1);
  });
});
