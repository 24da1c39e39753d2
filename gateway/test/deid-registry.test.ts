import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PhiType } from "../src/contracts";
import { prepareDocument } from "../src/deid/document";
import {
  type AsyncRecognizer,
  type DeidDocument,
  defaultRegistry,
  detect,
  detectAsync,
  type Recognizer,
} from "../src/deid/index";
import { patternRecognizer } from "../src/deid/pattern-rule";
import { span } from "../src/deid/span";

/** A recognizer that reports every occurrence of one word, as a later model-based recognizer would. */
function wordRecognizer(name: string, word: string, type: PhiType, score = 0.9): Recognizer {
  return {
    name,
    find({ text }) {
      const out = [];
      for (let at = text.indexOf(word); at !== -1; at = text.indexOf(word, at + 1)) {
        out.push(span(type, at, at + word.length, score));
      }
      return out;
    },
  };
}

function asyncWord(name: string, word: string, type: PhiType): AsyncRecognizer {
  const sync = wordRecognizer(name, word, type);
  return { name, findAsync: async (doc) => sync.find(doc) };
}

const pairs = (text: string, spans: ReadonlyArray<{ type: PhiType; start: number; end: number }>) =>
  spans.map((s) => [s.type, text.slice(s.start, s.end)]);

describe("recognizer registry", () => {
  it("runs an added recognizer alongside the built-in ones", () => {
    const text = "Zorblax seen on 03/14/2024.";
    const registry = defaultRegistry().add(wordRecognizer("zorblax", "Zorblax", "NAME"));
    assert.deepEqual(pairs(text, detect(text, {}, registry)), [
      ["NAME", "Zorblax"],
      ["DATE", "03/14/2024"],
    ]);
  });

  it("leaves the default detector unchanged when a copy of the default registry is extended", () => {
    defaultRegistry().add(wordRecognizer("zorblax", "Zorblax", "NAME"));
    assert.deepEqual(detect("Zorblax seen today."), []);
  });

  it("resolves an added recognizer's spans against the others: a stronger overlapping span wins", () => {
    const text = "Call 617-555-0100 today.";
    const registry = defaultRegistry().add(wordRecognizer("digits", "555", "ID", 0.5));
    assert.deepEqual(pairs(text, detect(text, {}, registry)), [["PHONE", "617-555-0100"]]);
  });

  it("seeds the second pass from an added recognizer's confident names", () => {
    const text = "Zorblax arrived; later ZORBLAX left.";
    const registry = defaultRegistry().add(wordRecognizer("zorblax", "Zorblax", "NAME"));
    assert.deepEqual(pairs(text, detect(text, {}, registry)), [
      ["NAME", "Zorblax"],
      ["NAME", "ZORBLAX"],
    ]);
  });

  it("hands every recognizer the same prepared document", () => {
    const seen: DeidDocument[] = [];
    const spy = (name: string): Recognizer => ({
      name,
      find(doc) {
        seen.push(doc);
        return [];
      },
    });
    detect("Maria Lopez, MRN 00123456", {}, defaultRegistry().add(spy("a")).add(spy("b")));
    assert.equal(seen.length, 2);
    assert.equal(seen[0], seen[1]);
    assert.ok((seen[0] as DeidDocument).tokens.length > 0);
  });

  it("refuses a second recognizer with the same name", () => {
    const registry = defaultRegistry();
    assert.throws(() => registry.add(wordRecognizer("names", "x", "NAME")), /"names" is already registered/);
  });

  it("refuses to run synchronously when an asynchronous recognizer is registered", () => {
    const registry = defaultRegistry().add(asyncWord("model", "Zorblax", "NAME"));
    assert.equal(registry.needsAsync, true);
    assert.throws(() => detect("Zorblax", {}, registry), /"model" is asynchronous; use detectAsync/);
  });

  it("runs asynchronous and synchronous recognizers together in detectAsync", async () => {
    const text = "Zorblax seen on 03/14/2024.";
    const registry = defaultRegistry().add(asyncWord("model", "Zorblax", "NAME"));
    assert.deepEqual(pairs(text, await detectAsync(text, {}, registry)), [
      ["NAME", "Zorblax"],
      ["DATE", "03/14/2024"],
    ]);
  });

  it("registers a recognizer that loads asynchronously only once its loader resolves", async () => {
    const registry = defaultRegistry();
    let release: (r: Recognizer) => void = () => {};
    const loaded = registry.addWhenLoaded(() => new Promise<Recognizer>((resolve) => (release = resolve)));
    assert.equal(registry.names.includes("late"), false);
    assert.deepEqual(detect("Zorblax", {}, registry), []);
    release(wordRecognizer("late", "Zorblax", "NAME"));
    await loaded;
    assert.deepEqual(pairs("Zorblax", detect("Zorblax", {}, registry)), [["NAME", "Zorblax"]]);
  });

  it("registers nothing when an asynchronous load fails", async () => {
    const registry = defaultRegistry();
    const before = registry.names;
    await assert.rejects(
      registry.addWhenLoaded(async () => {
        throw new Error("model file missing");
      }),
      /model file missing/,
    );
    assert.deepEqual(registry.names, before);
  });
});

describe("pattern table", () => {
  const doc = (text: string) => prepareDocument(text);

  it("reports the capture group, not the whole match, when a rule names one", () => {
    const r = patternRecognizer("t", [{ type: "ID", pattern: /case (\d+)/dg, score: 0.9, group: 1 }]);
    const text = "see case 4411 now";
    assert.deepEqual(pairs(text, r.find(doc(text))), [["ID", "4411"]]);
  });

  it("drops a match its validator rejects and rescores one its validator scores", () => {
    const r = patternRecognizer("t", [
      {
        type: "ID",
        pattern: /\d{4}/g,
        score: 0.9,
        validate: (v) => (v === "1111" ? false : v === "2222" ? 0.4 : true),
      },
    ]);
    assert.deepEqual(
      r.find(doc("1111 2222 3333")).map((s) => s.score),
      [0.4, 0.9],
    );
  });

  it("lets the first cue before a match decide its type and score", () => {
    const r = patternRecognizer("t", [
      {
        type: "PHONE",
        pattern: /\d{3}-\d{4}/g,
        score: 0.6,
        cue: [{ pattern: /fax/, type: "FAX", score: 0.85 }],
      },
    ]);
    const found = r.find(doc("Fax: 555-0100, desk 555-0199"));
    assert.deepEqual(
      found.map((s) => [s.type, s.score]),
      [
        ["FAX", 0.85],
        ["FAX", 0.85],
      ],
    );
    assert.deepEqual(
      r.find(doc("desk line 555-0199")).map((s) => [s.type, s.score]),
      [["PHONE", 0.6]],
    );
  });

  it("skips a rule whose prefilter rejects the document", () => {
    const r = patternRecognizer("t", [
      { type: "URL", pattern: /\w+\.test/g, score: 0.9, prefilter: (t) => t.includes("http") },
    ]);
    assert.deepEqual(r.find(doc("site.test")), []);
    assert.equal(r.find(doc("http site.test")).length, 1);
  });

  it("drops a match inside a clinical look-alike when the rule asks for it", () => {
    const rule = { type: "ID" as const, pattern: /\d{3}/g, score: 0.9 };
    const text = "Na 138 today";
    assert.equal(patternRecognizer("t", [rule]).find(doc(text)).length, 1);
    assert.equal(patternRecognizer("t", [{ ...rule, notInLookalike: true }]).find(doc(text)).length, 0);
  });
});
