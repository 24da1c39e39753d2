import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CircuitBreaker } from "../src/inference/circuit-breaker";

function breakerWithClock(failureThreshold = 3, cooldownMs = 1000) {
  const clock = { now: 0 };
  const breaker = new CircuitBreaker({ failureThreshold, cooldownMs, now: () => clock.now });
  return { breaker, clock };
}

function fail(breaker: CircuitBreaker, times: number) {
  for (let i = 0; i < times; i++) {
    assert.equal(breaker.tryAcquire(), true);
    breaker.record("failure");
  }
}

describe("CircuitBreaker", () => {
  test("stays closed below the failure threshold", () => {
    const { breaker } = breakerWithClock(3);
    fail(breaker, 2);
    assert.equal(breaker.current, "closed");
    assert.equal(breaker.tryAcquire(), true);
  });

  test("opens after the threshold of consecutive failures and refuses calls", () => {
    const { breaker } = breakerWithClock(3);
    fail(breaker, 3);
    assert.equal(breaker.current, "open");
    assert.equal(breaker.tryAcquire(), false);
    assert.equal(breaker.retryAfterMs(), 1000);
  });

  test("a success resets the consecutive-failure count", () => {
    const { breaker } = breakerWithClock(3);
    fail(breaker, 2);
    breaker.tryAcquire();
    breaker.record("success");
    fail(breaker, 2);
    assert.equal(breaker.current, "closed");
  });

  test("after the cooldown exactly one probe is let through", () => {
    const { breaker, clock } = breakerWithClock(1, 1000);
    fail(breaker, 1);
    clock.now = 999;
    assert.equal(breaker.tryAcquire(), false);
    clock.now = 1000;
    assert.equal(breaker.tryAcquire(), true);
    assert.equal(breaker.current, "half_open");
    assert.equal(breaker.tryAcquire(), false, "a second call waits for the probe's outcome");
  });

  test("a successful probe closes the circuit", () => {
    const { breaker, clock } = breakerWithClock(1, 1000);
    fail(breaker, 1);
    clock.now = 1000;
    breaker.tryAcquire();
    breaker.record("success");
    assert.equal(breaker.current, "closed");
    assert.equal(breaker.tryAcquire(), true);
  });

  test("a failed probe opens the circuit for another cooldown", () => {
    const { breaker, clock } = breakerWithClock(1, 1000);
    fail(breaker, 1);
    clock.now = 1000;
    breaker.tryAcquire();
    breaker.record("failure");
    assert.equal(breaker.current, "open");
    clock.now = 1999;
    assert.equal(breaker.tryAcquire(), false);
  });

  test("a neutral probe outcome (caller gave up) lets the next call probe instead", () => {
    const { breaker, clock } = breakerWithClock(1, 1000);
    fail(breaker, 1);
    clock.now = 1000;
    breaker.tryAcquire();
    breaker.record("neutral");
    assert.equal(breaker.tryAcquire(), true);
  });

  test("invalid settings are rejected", () => {
    assert.throws(() => new CircuitBreaker({ failureThreshold: 0, cooldownMs: 1 }), /failureThreshold/);
    assert.throws(() => new CircuitBreaker({ failureThreshold: 1, cooldownMs: -1 }), /cooldownMs/);
  });
});
