import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { FEATURES_PER_TOKEN, featurize, HASH_BUCKETS, tokenize } from "../src/deid-model/features";
import { DEFAULT_DEID_MODEL_PATH, type DeidModel, loadDeidModel } from "../src/deid-model/index";
import { decodeSpans, labelTokens, MODEL_LABELS } from "../src/deid-model/labels";
import { generateIndependentCorpus } from "./fixtures/deid-independent/corpus";
import { score } from "./fixtures/deid-independent/score";
import { tinyModelRepository } from "./support/synthetic-model";

describe("deid-model features", () => {
  it("splits text into letter/digit runs and single symbols with offsets into the original text", () => {
    const text = "Dr. Oyelaran, 07457-1234";
    const tokens = tokenize(text);
    assert.deepEqual(
      tokens.map((t) => t.text),
      ["Dr", ".", "Oyelaran", ",", "07457", "-", "1234"],
    );
    for (const t of tokens) assert.equal(text.slice(t.start, t.end), t.text);
  });

  it("gives every token the same number of feature ids, all inside the hash table", () => {
    const text = "Seen at Quaendlemoor Infirmary on 3/4/2021.\nBP 120/80";
    const f = featurize(text, tokenize(text));
    assert.equal(f.length, tokenize(text).length * FEATURES_PER_TOKEN);
    assert.ok(f.every((id) => id >= 0 && id < HASH_BUCKETS));
  });

  it("featurizes a word by its own text and line position, not by the rest of the note", () => {
    const a = "Patient: Kwabena Mensah";
    const b = "Patient: Kwabena Mensah was seen at length, for an hour, by the team";
    const fa = featurize(a, tokenize(a)).slice(0, 4 * FEATURES_PER_TOKEN);
    const fb = featurize(b, tokenize(b)).slice(0, 4 * FEATURES_PER_TOKEN);
    assert.deepEqual(fa, fb);
  });
});

describe("deid-model labels", () => {
  const text = "Mr. Haddad lives in Port Velmoor.";
  const tokens = tokenize(text);
  const gold = [
    { type: "NAME" as const, start: 4, end: 10 },
    { type: "CITY" as const, start: 20, end: 32 },
  ];

  it("labels a span's first token B- and the rest I-, and everything else outside", () => {
    const labels = [...labelTokens(tokens, gold)].map((l) => MODEL_LABELS[l]);
    assert.deepEqual(labels, ["O", "O", "B-NAME", "O", "O", "B-CITY", "I-CITY", "O"]);
  });

  it("decodes confident per-token scores back into the gold spans", () => {
    const labels = labelTokens(tokens, gold);
    const L = MODEL_LABELS.length;
    const logits = new Float32Array(L * tokens.length);
    labels.forEach((l, i) => {
      logits[l * tokens.length + i] = 10;
    });
    const spans = decodeSpans(tokens, logits, 0.5);
    assert.deepEqual(
      spans.map((s) => [s.type, text.slice(s.start, s.end)]),
      [
        ["NAME", "Haddad"],
        ["CITY", "Port Velmoor"],
      ],
    );
  });

  it("marks a token PHI when 'outside' is below the threshold even if 'outside' is the top label", () => {
    const L = MODEL_LABELS.length;
    const one = tokenize("Velmoor");
    const logits = new Float32Array(L);
    logits[0] = 1;
    logits[MODEL_LABELS.indexOf("B-CITY")] = 0.9;
    for (let l = 1; l < L; l++) if (l !== MODEL_LABELS.indexOf("B-CITY")) logits[l] = -20;
    // P(outside) ≈ 0.52: kept at the 0.5 threshold, removed at 0.7.
    assert.equal(decodeSpans(one, logits, 0.5).length, 0);
    assert.equal(decodeSpans(one, logits, 0.7)[0]?.type, "CITY");
  });

  it("refuses scores whose size does not match the tokens", () => {
    assert.throws(() => decodeSpans(tokens, new Float32Array(3), 0.5), /expected \d+ scores for 8 tokens/);
  });
});

describe("deid-model inference (the committed model)", () => {
  let model: DeidModel;
  before(async () => {
    model = await loadDeidModel();
  });
  after(() => model.close());

  it("finds the identifiers of dev-split notes with offsets into the original text", async () => {
    const notes = generateIndependentCorpus("dev", 18);
    const predicted = new Map<string, Awaited<ReturnType<DeidModel["find"]>>>();
    for (const n of notes) predicted.set(n.id, await model.find(n.text));
    const s = score(notes, predicted);
    assert.ok(s.recall > 0.9, `recall ${s.recall}`);
    assert.ok(s.charPrecision > 0.8, `precision ${s.charPrecision}`);
  });

  it("returns nothing for an empty text", async () => {
    assert.deepEqual(await model.find(""), []);
  });

  it("scores a text longer than one window and still finds a name near its end", async () => {
    const filler = "Vital signs stable overnight. ".repeat(1500);
    const text = `${filler}Discussed with daughter Ngozi Okafor at bedside.`;
    const spans = await model.find(text);
    const start = text.indexOf("Ngozi");
    assert.ok(
      spans.some((s) => s.start <= start && s.end >= start + "Ngozi Okafor".length),
      "name after the first window not found",
    );
  });

  it("rejects a text that is not a string", async () => {
    await assert.rejects(model.find(42 as unknown as string), /text must be a string/);
  });
});

describe("deid-model loading fails closed", () => {
  const dir = mkdtempSync(join(tmpdir(), "deid-model-"));

  it("names the missing file and how to build it", async () => {
    await assert.rejects(
      loadDeidModel(join(dir, "absent.onnx")),
      /no model at .*absent\.onnx; build it with: npm run/,
    );
  });

  it("refuses a file that is not an ONNX model", async () => {
    const bad = join(dir, "bad.onnx");
    writeFileSync(bad, "not a model");
    await assert.rejects(loadDeidModel(bad), /is not a loadable ONNX model/);
  });

  it("refuses a valid ONNX model that is not the detector (the sentiment model)", async () => {
    const sentiment = join(tinyModelRepository(), "distilbert_sst2", "1", "model.onnx");
    await assert.rejects(
      loadDeidModel(sentiment),
      /does not match this gateway's detector \(no "features" input/,
    );
  });

  it("refuses an out-of-range threshold", async () => {
    await assert.rejects(
      loadDeidModel(DEFAULT_DEID_MODEL_PATH, { outsideBelow: 0 }),
      /outsideBelow must be in \(0, 1\]/,
    );
  });
});
