/** The synthetic model generator: reproducible bytes, the model contract, and an honest model-info.json. */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { onnx } from "onnx-proto";
import { CANONICAL_TOKENIZER, generateTinyModel, runGenerator } from "./support/synthetic-model";

const dir = mkdtempSync(path.join(tmpdir(), "model-generator-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
const versionDir = (name: string) => path.join(dir, name, "distilbert_sst2", "1");

describe("synthetic model generator", () => {
  const first = versionDir("a");
  const firstInfo = generateTinyModel(first, 7);

  test("the same size and seed give byte-identical model.onnx files", () => {
    const again = versionDir("b");
    generateTinyModel(again, 7);
    assert.equal(sha256(path.join(again, "model.onnx")), sha256(path.join(first, "model.onnx")));
  });

  test("a different seed gives different weights", () => {
    const other = versionDir("c");
    generateTinyModel(other, 8);
    assert.notEqual(sha256(path.join(other, "model.onnx")), sha256(path.join(first, "model.onnx")));
  });

  test("the graph declares the model contract: INT64 input_ids/attention_mask [batch, sequence] -> FP32 logits [batch, 2]", () => {
    const model = onnx.ModelProto.decode(readFileSync(path.join(first, "model.onnx")));
    const dims = (v: onnx.IValueInfoProto) =>
      v.type?.tensorType?.shape?.dim?.map((d) => d.dimParam || Number(d.dimValue));
    const io = (values: onnx.IValueInfoProto[] | null | undefined) =>
      (values ?? []).map((v) => ({ name: v.name, type: v.type?.tensorType?.elemType, dims: dims(v) }));
    const INT64 = onnx.TensorProto.DataType.INT64;
    assert.deepEqual(io(model.graph?.input), [
      { name: "input_ids", type: INT64, dims: ["batch", "sequence"] },
      { name: "attention_mask", type: INT64, dims: ["batch", "sequence"] },
    ]);
    assert.deepEqual(io(model.graph?.output), [
      { name: "logits", type: onnx.TensorProto.DataType.FLOAT, dims: ["batch", 2] },
    ]);
    assert.deepEqual(
      model.opsetImport?.map((o) => [o.domain, Number(o.version)]),
      [["", 17]],
    );
  });

  test("model-info.json flags the model synthetic and records its seed, size and file hashes", () => {
    assert.equal(firstInfo.name, "distilbert_sst2");
    assert.equal(firstInfo.version, "1");
    assert.equal(firstInfo.synthetic, true);
    assert.equal(firstInfo.size, "tiny");
    assert.equal(firstInfo.seed, 7);
    assert.equal(firstInfo.maxSequenceLength, 512);
    assert.equal(firstInfo.modelSha256, sha256(path.join(first, "model.onnx")));
    assert.equal(firstInfo.tokenizerSha256, sha256(path.join(first, "tokenizer.json")));
    assert.equal(
      firstInfo.tokenizerSha256,
      sha256(CANONICAL_TOKENIZER),
      "the shared tokenizer is copied as is",
    );
  });

  test("the parameter count in model-info.json is the number of weights in the ONNX file", () => {
    const model = onnx.ModelProto.decode(readFileSync(path.join(first, "model.onnx")));
    const weights = (model.graph?.initializer ?? [])
      .filter((t) => !t.name?.startsWith("const."))
      .reduce((sum, t) => sum + (t.dims ?? []).map(Number).reduce((a, b) => a * b, 1), 0);
    assert.equal(firstInfo.params, weights);
  });

  test("an unknown size exits non-zero with one readable line naming the valid sizes", () => {
    const run = runGenerator(["--size", "huge", "--out", versionDir("d")]);
    assert.equal(run.status, 1);
    assert.equal(run.stderr.trim(), "generate-model: --size must be one of tiny, base");
  });

  test("a missing --out exits non-zero with one readable line", () => {
    const run = runGenerator(["--size", "tiny"]);
    assert.equal(run.status, 1);
    assert.match(run.stderr.trim(), /^generate-model: --out <version directory> is required$/);
  });

  test("a tokenizer whose vocabulary does not fit the embedding table is refused", () => {
    const run = runGenerator([
      "--size",
      "tiny",
      "--out",
      versionDir("e"),
      "--tokenizer",
      path.join(__dirname, "fixtures", "tokenizer", "small-vocab-tokenizer.json"),
    ]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /has 6 ids but the tiny model has 30522/);
  });
});
