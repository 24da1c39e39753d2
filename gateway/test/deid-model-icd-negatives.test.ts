import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { icdNegativeNotes, SHIPPED_ICD_NEGATIVES, trainingDescriptions } from "../deid-model/icd-negatives";
import { loadSource } from "../deid-model/prepare";

const HELD_OUT = join(__dirname, "fixtures", "phi-free", "icd10cm-2026-sample.txt");

describe("PHI-free training documents from ICD-10-CM", () => {
  const descriptions = trainingDescriptions();

  it("reads only the chapters A to N, so the held-out sample's lines are never trained on", () => {
    assert.ok(descriptions.length > 20_000, `only ${descriptions.length} descriptions read`);
    const training = new Set(descriptions);
    const held = readFileSync(HELD_OUT, "utf8")
      .split("\n")
      .filter((l) => l !== "");
    assert.equal(held.length, 1000);
    const shared = held.filter((l) => training.has(l));
    assert.deepEqual(shared, [], "held-out lines found among the training descriptions");
  });

  it("decodes XML entities in the descriptions", () => {
    assert.ok(!descriptions.some((d) => /&(?:amp|lt|gt|apos|quot);/.test(d)));
  });

  it("builds the same documents from the same seed, with no PHI labels", () => {
    const a = icdNegativeNotes(50, descriptions);
    const b = icdNegativeNotes(50, descriptions);
    assert.deepEqual(a, b);
    assert.ok(a.every((n) => n.gold.length === 0 && n.text.length > 0));
  });

  it("is a training source of prepare.ts, with the shipped count when none is given", () => {
    assert.equal(loadSource("icd10cm:7").length, 7);
    assert.equal(loadSource("icd10cm").length, SHIPPED_ICD_NEGATIVES);
    assert.throws(() => loadSource("icd10cm:-1"), /must be corpus:<train\|dev\|test>:<count>/);
  });
});
