import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PHI_TYPES } from "../src/contracts";
import { corpusHash, generateIndependentCorpus, STYLES } from "./fixtures/deid-independent/corpus";
import { FROZEN_TEST } from "./fixtures/deid-independent/frozen";
import { score } from "./fixtures/deid-independent/score";

describe("independent de-identification corpus", () => {
  it("regenerates the frozen test split byte for byte (its hash is pinned)", () => {
    const notes = generateIndependentCorpus(FROZEN_TEST.split, FROZEN_TEST.notes);
    assert.equal(corpusHash(notes), FROZEN_TEST.sha256);
  });

  it("gives each split different notes", () => {
    const dev = generateIndependentCorpus("dev", 20).map((n) => n.text);
    const test = new Set(generateIndependentCorpus("test", 20).map((n) => n.text));
    assert.equal(dev.filter((t) => test.has(t)).length, 0);
  });

  it("labels spans that lie inside the text and never overlap each other or a look-alike", () => {
    for (const note of generateIndependentCorpus("dev", 90)) {
      const spans = [...note.gold, ...note.keep].sort((a, b) => a.start - b.start);
      for (let i = 0; i < spans.length; i++) {
        const s = spans[i] as { start: number; end: number };
        assert.ok(s.start >= 0 && s.end <= note.text.length && s.start < s.end, note.id);
        if (i > 0)
          assert.ok((spans[i - 1] as { end: number }).end <= s.start, `${note.id} overlaps at ${s.start}`);
      }
    }
  });

  it("uses every note style and every PHI type in the frozen test split", () => {
    const notes = generateIndependentCorpus("test", FROZEN_TEST.notes);
    assert.deepEqual(new Set(notes.map((n) => n.style)), new Set(Object.keys(STYLES)));
    const types = new Set(notes.flatMap((n) => n.gold.map((g) => g.type)));
    assert.deepEqual([...types].sort(), [...PHI_TYPES].sort());
  });

  it("keeps the test split's fixed-list names out of the training split", () => {
    const firstWords = (split: "train" | "test"): Set<string> =>
      new Set(
        generateIndependentCorpus(split, 300).flatMap((n) =>
          n.gold.filter((g) => g.type === "NAME").map((g) => n.text.slice(g.start, g.end)),
        ),
      );
    const train = firstWords("train");
    const shared = [...firstWords("test")].filter((w) => train.has(w) && w.length > 2);
    // Invented names may collide by chance; fixed-list full names may not.
    assert.ok(shared.length < 5, `shared names: ${shared.length}`);
  });
});

describe("independent corpus scorer", () => {
  const [note] = generateIndependentCorpus("dev", 1);
  if (!note) throw new Error("no note");

  it("scores perfect recall and precision when exactly the gold spans are removed", () => {
    const s = score([note], new Map([[note.id, note.gold]]));
    assert.equal(s.recall, 1);
    assert.equal(s.charPrecision, 1);
    assert.equal(s.lookalikes.share, 1);
  });

  it("counts a gold span as missed when one of its letters survives", () => {
    const gold = note.gold[0];
    if (!gold) throw new Error("no gold span");
    const partial = [{ ...gold, end: gold.end - 1 }, ...note.gold.slice(1)];
    const s = score([note], new Map([[note.id, partial]]));
    assert.equal(s.missed.length, 1);
    assert.equal(s.missed[0]?.type, gold.type);
  });

  it("charges removing the whole note to precision and to the look-alikes", () => {
    const s = score([note], new Map([[note.id, [{ type: "ID", start: 0, end: note.text.length }]]]));
    assert.equal(s.recall, 1);
    assert.ok(s.charPrecision < 0.5);
    assert.equal(s.lookalikes.kept, 0);
  });

  it("rejects a span outside the note with a message naming the note", () => {
    assert.throws(
      () => score([note], new Map([[note.id, [{ type: "NAME", start: 0, end: note.text.length + 5 }]]])),
      new RegExp(note.id),
    );
  });
});
