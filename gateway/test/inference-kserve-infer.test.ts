/**
 * The deadline a gateway-formed batch carries to Triton (its `timeout` parameter): Triton may queue the batch for
 * as long as its most patient caller can wait, and without a bound when any caller has none. Callers who give up
 * earlier are dropped from the batch by the gateway's batcher, not by Triton.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { latestDeadline } from "../src/inference/kserve-infer";

test("a batch's deadline is the latest of its callers' deadlines", () => {
  assert.equal(latestDeadline([1_250, 4_000, 2_500]), 4_000);
});

test("a batch with one caller without a deadline has none", () => {
  assert.equal(latestDeadline([1_250, undefined, 2_500]), undefined);
});
