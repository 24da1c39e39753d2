/**
 * The gateway tokenizes with Hugging Face's JavaScript tokenizers; the model was trained (and is exported) with
 * the Rust implementation. Both read the same tokenizer.json and must produce identical ids on varied text.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { CANONICAL_TOKENIZER, requireVenvPython } from "./support/synthetic-model";

type TokenizerClass = typeof import("@huggingface/tokenizers", { with: {
  "resolution-mode": "import",
}}).Tokenizer;
const { Tokenizer } = require("@huggingface/tokenizers") as { Tokenizer: TokenizerClass };

const FIXTURES = path.join(__dirname, "fixtures", "tokenizer");
const CORPUS = path.join(FIXTURES, "corpus.json");

function pythonIds(tokenizerPath: string): number[][] {
  const python = requireVenvPython();
  const run = spawnSync(python, [path.join(FIXTURES, "encode_reference.py"), tokenizerPath, CORPUS], {
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  if (run.status !== 0) throw new Error(`encode_reference.py failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as number[][];
}

describe("tokenizer parity (JavaScript vs Rust reference)", () => {
  const texts = (JSON.parse(readFileSync(CORPUS, "utf8")) as { texts: string[] }).texts;
  const tokenizer = new Tokenizer(JSON.parse(readFileSync(CANONICAL_TOKENIZER, "utf8")), {});

  test("@huggingface/tokenizers and Python tokenizers give identical ids for every corpus string", () => {
    const expected = pythonIds(CANONICAL_TOKENIZER);
    assert.equal(expected.length, texts.length);
    texts.forEach((text, i) => {
      assert.deepEqual(
        tokenizer.encode(text).ids,
        expected[i],
        `corpus entry ${i}: ${JSON.stringify(text.slice(0, 60))}`,
      );
    });
  });

  test("parity also holds for the upstream form of the file (strip_accents: null), which an export writes", (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), "tokenizer-parity-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const upstream = JSON.parse(readFileSync(CANONICAL_TOKENIZER, "utf8")) as {
      normalizer: Record<string, unknown>;
    };
    upstream.normalizer.strip_accents = null;
    const file = path.join(dir, "tokenizer.json");
    writeFileSync(file, JSON.stringify(upstream));
    const expected = pythonIds(file);
    const js = new Tokenizer(upstream, {});
    texts.forEach((text, i) => {
      assert.deepEqual(js.encode(text).ids, expected[i], `corpus entry ${i}`);
    });
  });

  test("the corpus exercises long inputs: at least one text is longer than the 512-token model maximum", () => {
    const lengths = texts.map((t) => tokenizer.encode(t).ids.length);
    assert.ok(Math.max(...lengths) > 512, `longest encoding is ${Math.max(...lengths)} tokens`);
  });

  test("uncased WordPiece: case and accents do not change the ids", () => {
    assert.deepEqual(tokenizer.encode("CAFÉ Résumé").ids, tokenizer.encode("cafe resume").ids);
  });

  test("every encoding is framed by [CLS] ... [SEP] and unknown pieces map to [UNK]", () => {
    const ids = tokenizer.encode("hello 𓀀").ids;
    assert.equal(ids[0], tokenizer.token_to_id("[CLS]"));
    assert.equal(ids[ids.length - 1], tokenizer.token_to_id("[SEP]"));
    assert.ok(ids.includes(tokenizer.token_to_id("[UNK]") as number));
  });
});
