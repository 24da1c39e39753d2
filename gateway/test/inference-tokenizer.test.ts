import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { CHECKOUT_TOKENIZER, PROJECT_ROOT } from "../src/inference/repository-layout";
import { SequenceTokenizer } from "../src/inference/tokenizer";

// The bert-base-uncased WordPiece tokenizer the DistilBERT SST-2 model uses (vendored in the model tree).
const tokenizerPath = CHECKOUT_TOKENIZER;
const tokenizerJson = JSON.parse(readFileSync(tokenizerPath, "utf8"));
const CLS = 101;
const SEP = 102;

const buckets = [16, 32, 64];
const tokenizer = new SequenceTokenizer(tokenizerJson, {}, buckets);

describe("SequenceTokenizer", () => {
  test("a text is wrapped in [CLS] ... [SEP]", () => {
    const { ids, truncated } = tokenizer.encode("the movie was great");
    assert.equal(ids[0], CLS);
    assert.equal(ids[ids.length - 1], SEP);
    assert.equal(ids.length, 6);
    assert.equal(truncated, false);
  });

  test("the uncased tokenizer lowercases and strips accents", () => {
    assert.deepEqual(tokenizer.encode("CAFÉ Naïve").ids, tokenizer.encode("cafe naive").ids);
  });

  test("a short text goes to the smallest bucket and a longer one to the next", () => {
    assert.equal(tokenizer.encode("fine").bucket, 16);
    const twentyWords = Array.from({ length: 20 }, () => "good").join(" ");
    assert.equal(tokenizer.encode(twentyWords).ids.length, 22);
    assert.equal(tokenizer.encode(twentyWords).bucket, 32);
  });

  test("a text of exactly the maximum length is not truncated", () => {
    const words = Array.from({ length: 62 }, () => "good").join(" ");
    const { ids, truncated, bucket } = tokenizer.encode(words);
    assert.equal(ids.length, 64);
    assert.equal(truncated, false);
    assert.equal(bucket, 64);
  });

  test("a text longer than the model maximum is cut to it, keeps [SEP] and reports truncation", () => {
    const text = Array.from({ length: 200 }, (_, i) => `word${i}`).join(" ");
    const untruncated = new SequenceTokenizer(tokenizerJson, {}, [4096]).encode(text).ids;
    const { ids, truncated, bucket } = tokenizer.encode(text);
    assert.equal(truncated, true);
    assert.equal(ids.length, 64);
    assert.equal(bucket, 64);
    assert.deepEqual(ids.slice(0, 63), untruncated.slice(0, 63));
    assert.equal(ids[63], SEP);
  });

  test("the padding id is the tokenizer's [PAD]", () => {
    assert.equal(tokenizer.padId, 0);
  });

  test("truncation gives the same ids as the Python tokenizers library's own truncation", () => {
    const python = path.join(PROJECT_ROOT, ".venv", "bin", "python");
    assert.ok(
      existsSync(python),
      `${python} is missing: run \`npm run setup\` to create the Python environment`,
    );
    const texts = [
      "Short one.",
      `${"The patient's chest pain worsened after exercise; troponin was elevated. ".repeat(12)}`,
      `Ünïcödé ${"naïve café résumé — “quoted” ".repeat(20)}`,
    ];
    const script = [
      "import json, sys",
      "from tokenizers import Tokenizer",
      "t = Tokenizer.from_file(sys.argv[1])",
      "t.enable_truncation(max_length=64)",
      "print(json.dumps([t.encode(s).ids for s in json.loads(sys.argv[2])]))",
    ].join("\n");
    const expected = JSON.parse(
      execFileSync(python, ["-c", script, tokenizerPath, JSON.stringify(texts)], { encoding: "utf8" }),
    );
    assert.deepEqual(
      texts.map((t) => tokenizer.encode(t).ids),
      expected,
    );
  });
});
