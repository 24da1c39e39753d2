import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { detect, detectAsync } from "../src/deid/detect";
import { MODEL_RECOGNIZER_NAME } from "../src/deid-model/recognizer";
import { useModelRegistry } from "./support/model-registry";

describe("the learned detector as a registry recognizer", () => {
  const registry = useModelRegistry();

  it("registers under its own name beside the rules", () => {
    assert.ok(registry().names.includes(MODEL_RECOGNIZER_NAME));
    assert.ok(registry().names.length > 1);
  });

  it("removes an invented town that the rules alone leave in the text", async () => {
    const text = "Lives on a farm outside Quellbrindmoor with her son.";
    const at = text.indexOf("Quellbrindmoor");
    const covers = (spans: ReadonlyArray<{ start: number; end: number }>): boolean =>
      spans.some((s) => s.start <= at && s.end >= at + "Quellbrindmoor".length);
    assert.equal(covers(detect(text)), false);
    assert.equal(covers(await detectAsync(text, {}, registry())), true);
  });

  it("keeps the rules' date span, with the written form date shifting needs, where both found the date", async () => {
    const text = "Admitted 03/14/2024 with chest pain.";
    const date = (await detectAsync(text, {}, registry())).find((s) => s.type === "DATE");
    assert.equal(text.slice(date?.start, date?.end), "03/14/2024");
    assert.ok(date?.date, "the surviving DATE span has no date form");
  });

  it("leaves clinical look-alikes in place", async () => {
    const text = "History of Parkinson disease; BP 128/82, Na 138, metoprolol 25 mg BID.";
    assert.deepEqual(await detectAsync(text, {}, registry()), []);
  });

  it("makes synchronous detection refuse rather than silently skip the model", () => {
    assert.throws(() => detect("Seen by Dr. Haddad.", {}, registry()), /is asynchronous; use detectAsync/);
  });
});
