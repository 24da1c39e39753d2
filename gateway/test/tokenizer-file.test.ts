/** The committed tokenizer files: the real bert-base-uncased WordPiece, one copy per model version, unpadded. */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { CHECKOUT_VERSION_DIR } from "../src/inference/repository-layout";
import { CANONICAL_TOKENIZER } from "./support/synthetic-model";

const VERSION_DIR = CHECKOUT_VERSION_DIR;
const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

interface TokenizerJson {
  truncation: unknown;
  padding: unknown;
  normalizer: Record<string, unknown>;
  pre_tokenizer: { type: string };
  model: { type: string; unk_token: string; vocab: Record<string, number> };
}

describe("committed tokenizer files", () => {
  const tokenizer = JSON.parse(readFileSync(CANONICAL_TOKENIZER, "utf8")) as TokenizerJson;

  test("the tokenizer is uncased WordPiece with bert-base-uncased's 30,522 tokens and special ids", () => {
    assert.equal(tokenizer.model.type, "WordPiece");
    assert.equal(tokenizer.model.unk_token, "[UNK]");
    assert.equal(Object.keys(tokenizer.model.vocab).length, 30522);
    const { vocab } = tokenizer.model;
    assert.deepEqual(
      ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the"].map((t) => vocab[t]),
      [0, 100, 101, 102, 103, 1996],
    );
    assert.deepEqual(tokenizer.normalizer, {
      type: "BertNormalizer",
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: true,
      lowercase: true,
    });
    assert.equal(tokenizer.pre_tokenizer.type, "BertPreTokenizer");
  });

  test("the tokenizer file neither pads nor truncates: the gateway pads to buckets and truncates itself", () => {
    assert.equal(tokenizer.padding, null);
    assert.equal(tokenizer.truncation, null);
  });

  test("the tokenizer is version 1's own, and its model-info.json records the file's sha256", () => {
    assert.equal(path.dirname(CANONICAL_TOKENIZER), VERSION_DIR);
    const info = JSON.parse(readFileSync(path.join(VERSION_DIR, "model-info.json"), "utf8")) as {
      tokenizerSha256: string;
      synthetic: boolean;
    };
    assert.equal(info.tokenizerSha256, sha256(CANONICAL_TOKENIZER));
    assert.equal(info.synthetic, true, "the committed version describes the synthetic base model");
  });
});
