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

  it("keeps the feature ids the committed model was trained with, for ASCII and non-ASCII words alike", () => {
    // Written by the featurizer that built gateway/deid-model/model.onnx; a change here needs a retrained model.
    const text =
      "Seen by DR. Müller-Øst, MRN 00482913\nİSTANBUL ǅemal x‐y 𝐀1 naïve Quaendlemoorintheveryfarnorthvalley";
    const ids = [
      2227, 1775, 6482, 5736, 2399, 3884, 16378, 6565, 2001, 15605, 3050, 7045, 901, 11644, 12984, 5150,
      16118, 3346, 13305, 6754, 610, 8156, 12984, 4886, 11006, 4386, 12467, 4850, 2802, 13798, 15104, 5150,
      2438, 15042, 12102, 8507, 12695, 3884, 9927, 5150, 10603, 3983, 12870, 4447, 2399, 13395, 15104, 5150,
      1667, 7655, 530, 2103, 55, 3884, 12453, 5150, 10200, 3580, 13273, 4044, 1996, 12992, 15104, 5150, 13487,
      11819, 2166, 7931, 5883, 8156, 16378, 4886, 13917, 5897, 1065, 14751, 7853, 6808, 13830, 5150, 12331,
      15331, 2932, 7303, 713, 8156, 13830, 10317, 3057, 16084, 7013, 11522, 11811, 11644, 9927, 5150, 8852,
      4928, 11925, 1904, 16240, 11644, 14655, 5150, 3356, 3448, 3469, 424, 14760, 12596, 15104, 5150, 9255,
      5331, 11522, 2307, 259, 11644, 15104, 5150, 9240, 14572, 2785, 9788, 7740, 1151, 16378, 5150, 2479,
      6107, 7099, 12484, 7217, 11644, 9927, 5150, 3012, 2304, 6612, 5686, 9874, 3884, 14987, 5150,
    ];
    assert.deepEqual([...featurize(text, tokenize(text))], ids);
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

  it("decides every token as the full softmax does, also where 'outside' is only just below the threshold", () => {
    const L = MODEL_LABELS.length;
    const one = tokenize("Velmoor");
    const city = MODEL_LABELS.indexOf("B-CITY");
    // With 40 other labels at -d and "outside" at 0, P(outside) = 1 / (1 + 40 e^-d); at d = ln(40 * 19)
    // it is exactly 0.95. Just above that it is kept, just below it is removed.
    for (const [d, kept] of [
      [Math.log(40 * 19) + 0.01, true],
      [Math.log(40 * 19) - 0.01, false],
    ] as const) {
      const logits = new Float32Array(L).fill(-d);
      logits[0] = 0;
      logits[city] = -d + 1e-6;
      assert.equal(decodeSpans(one, logits, 0.95).length === 0, kept, `d = ${d}`);
    }
  });

  it("scores a token the model is plainly sure of as PHI with a score of 1", () => {
    const L = MODEL_LABELS.length;
    const one = tokenize("Velmoor");
    const logits = new Float32Array(L);
    logits[MODEL_LABELS.indexOf("B-CITY")] = 30;
    assert.deepEqual(decodeSpans(one, logits, 0.95), [{ type: "CITY", start: 0, end: 7, score: 1 }]);
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
