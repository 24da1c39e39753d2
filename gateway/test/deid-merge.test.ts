/**
 * How the learned detector's spans meet the rules' spans (docs/deid-model-card.md, "How the model's spans meet
 * the rules' spans"). The model here is a DeidModel that reports fixed spans, so each test names exactly what
 * the model said; everything after it (the recognizer wrapper, look-alike filter, resolver, second pass) is the
 * gateway's real code.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PhiEntity, PhiType } from "../src/contracts";
import { defaultRegistry, detectAsync } from "../src/deid/detect";
import type { DeidModel } from "../src/deid-model/index";
import { MODEL_SPAN_SCORE, modelRecognizer } from "../src/deid-model/recognizer";

/** A model that reports `word` (every occurrence) as `type` with `score`. */
function saying(word: string, type: PhiType, score = 0.99): DeidModel {
  return {
    async find(text: string): Promise<PhiEntity[]> {
      const out: PhiEntity[] = [];
      for (let at = text.indexOf(word); at !== -1; at = text.indexOf(word, at + 1))
        out.push({ type, start: at, end: at + word.length, score });
      return out;
    },
    close: async () => {},
  };
}

async function found(text: string, model: DeidModel): Promise<Array<[string, string, number]>> {
  const spans = await detectAsync(text, {}, defaultRegistry().add(modelRecognizer(model)));
  return spans.map((s) => [s.type, text.slice(s.start, s.end), s.score]);
}

describe("model spans beside rule spans", () => {
  it("enters model spans as strong evidence capped below the rules' scores", async () => {
    const [span] = await found("Lives outside Quellbrindmoor now.", saying("Quellbrindmoor", "CITY"));
    assert.deepEqual(span, ["CITY", "Quellbrindmoor", MODEL_SPAN_SCORE]);
  });

  it("drops a model span that holds no letter or digit", async () => {
    assert.deepEqual(await found("Family thanked the staff on the unit.", saying(".", "DATE")), []);
  });

  it("lets a rule span of another type win over the model span it overlaps, and trims the model span to the rest", async () => {
    const text = "Seen by Dr. John Smith today.";
    const spans = await found(text, saying("Smith today", "LOCATION"));
    assert.deepEqual(
      spans.map(([type, value]) => [type, value]),
      [
        ["NAME", "John Smith"],
        ["LOCATION", "today"],
      ],
    );
  });

  it("keeps the rule's span, date form included, where both found the same date", async () => {
    const text = "Admitted 03/14/2024 with chest pain.";
    const spans = await detectAsync(
      text,
      {},
      defaultRegistry().add(modelRecognizer(saying("03/14/2024", "DATE"))),
    );
    assert.equal(spans.length, 1);
    assert.ok(spans[0]?.date, "the rules' date form is lost");
    assert.ok((spans[0]?.score ?? 0) > MODEL_SPAN_SCORE);
  });

  it("lets a longer model span of the same type replace the rule's partial match", async () => {
    const text = "Transferred from St. Jude Hospital of Glodgeholm yesterday.";
    const spans = await found(text, saying("St. Jude Hospital of Glodgeholm", "LOCATION"));
    assert.deepEqual(
      spans.map(([type, value]) => [type, value]),
      [["LOCATION", "St. Jude Hospital of Glodgeholm"]],
    );
  });

  it("drops a model span inside a clinical look-alike unless the model is sure of it", async () => {
    const text = "Labs: Na 138, K 4.1.";
    assert.deepEqual(await found(text, saying("138", "ID", 0.8)), []);
    assert.deepEqual(
      (await found(text, saying("Na 138", "MRN", 0.95))).map(([type, value]) => [type, value]),
      [["MRN", "Na 138"]],
    );
  });

  it("drops a model DATE inside a look-alike however sure the model is, as it does a rule's", async () => {
    assert.deepEqual(await found("BP 128/82 on arrival.", saying("128/82", "DATE", 0.99)), []);
  });

  it("trims a name cue off the start of a model span", async () => {
    const spans = await found("Patient Quorvash arrived.", saying("Patient Quorvash", "NAME"));
    assert.deepEqual(
      spans.map(([type, value]) => [type, value]),
      [["NAME", "Quorvash"]],
    );
  });

  it("never seeds the second pass from a model name: other mentions stay the model's to find", async () => {
    const text = "Quorvash arrived at noon. Wife of Quorvash called.";
    const first = text.indexOf("Quorvash");
    const model: DeidModel = {
      find: async () => [{ type: "NAME", start: first, end: first + 8, score: 0.99 }],
      close: async () => {},
    };
    assert.deepEqual(
      (await found(text, model)).map(([type, value]) => [type, value]),
      [["NAME", "Quorvash"]],
    );
  });
});
