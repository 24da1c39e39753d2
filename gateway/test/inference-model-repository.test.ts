import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { highestVersion, loadModelArtifacts } from "../src/inference/model-repository";

const root = mkdtempSync(path.join(tmpdir(), "model-repo-test-"));
after(() => rmSync(root, { recursive: true, force: true }));

const tokenizerText = JSON.stringify({ version: "1.0", model: { type: "WordPiece", vocab: { "[UNK]": 0 } } });
const tokenizerSha = createHash("sha256").update(tokenizerText).digest("hex");

/** Writes one version folder; `info` overrides fields of a valid model-info.json. */
function writeVersion(
  repo: string,
  version: string,
  options: { info?: Record<string, unknown>; model?: boolean; tokenizer?: boolean } = {},
) {
  const dir = path.join(repo, "distilbert_sst2", version);
  mkdirSync(dir, { recursive: true });
  if (options.model !== false) writeFileSync(path.join(dir, "model.onnx"), "not read by these tests");
  if (options.tokenizer !== false) writeFileSync(path.join(dir, "tokenizer.json"), tokenizerText);
  const info = {
    name: "distilbert_sst2",
    version,
    synthetic: true,
    size: "tiny",
    maxSequenceLength: 128,
    tokenizerSha256: tokenizerSha,
    ...options.info,
  };
  writeFileSync(path.join(dir, "model-info.json"), JSON.stringify(info));
  return dir;
}

let counter = 0;
function freshRepo() {
  const repo = path.join(root, `repo${counter++}`);
  mkdirSync(repo);
  return repo;
}

describe("model repository", () => {
  test("without a pinned version the highest numeric version folder is used", () => {
    const repo = freshRepo();
    writeVersion(repo, "2");
    writeVersion(repo, "10");
    mkdirSync(path.join(repo, "distilbert_sst2", "latest"));
    const artifacts = loadModelArtifacts(repo, "distilbert_sst2", undefined, { requireModelFile: true });
    assert.equal(artifacts.version, "10");
    assert.equal(artifacts.info.synthetic, true);
    assert.equal(artifacts.info.maxSequenceLength, 128);
    assert.equal(artifacts.tokenizerSha256, tokenizerSha);
  });

  test("a pinned version is used even when a higher one exists", () => {
    const repo = freshRepo();
    writeVersion(repo, "1");
    writeVersion(repo, "2");
    assert.equal(loadModelArtifacts(repo, "distilbert_sst2", "1", { requireModelFile: true }).version, "1");
  });

  test("a missing model folder names the path and how to create it", () => {
    const repo = freshRepo();
    assert.throws(
      () => loadModelArtifacts(repo, "distilbert_sst2", undefined, { requireModelFile: true }),
      (err: Error) =>
        err.message.includes(path.join(repo, "distilbert_sst2")) && /npm run setup/.test(err.message),
    );
  });

  test("a model folder without numeric versions is an error", () => {
    const repo = freshRepo();
    mkdirSync(path.join(repo, "distilbert_sst2", "draft"), { recursive: true });
    assert.throws(() => highestVersion(path.join(repo, "distilbert_sst2")), /no numeric version folder/);
  });

  test("a pinned version that is absent names the folder", () => {
    const repo = freshRepo();
    writeVersion(repo, "1");
    assert.throws(
      () => loadModelArtifacts(repo, "distilbert_sst2", "3", { requireModelFile: true }),
      /distilbert_sst2\/3 does not exist/,
    );
  });

  test("a non-numeric pinned version is rejected", () => {
    assert.throws(
      () => loadModelArtifacts(freshRepo(), "distilbert_sst2", "v1", { requireModelFile: true }),
      /MODEL_VERSION "v1" must be a positive integer/,
    );
  });

  test("a missing model.onnx is an error for the embedded backend but not when only the tokenizer is needed", () => {
    const repo = freshRepo();
    writeVersion(repo, "1", { model: false });
    assert.throws(
      () => loadModelArtifacts(repo, "distilbert_sst2", "1", { requireModelFile: true }),
      /model file .*model\.onnx is missing/,
    );
    assert.equal(loadModelArtifacts(repo, "distilbert_sst2", "1", { requireModelFile: false }).version, "1");
  });

  test("a missing tokenizer.json is an error naming the file", () => {
    const repo = freshRepo();
    writeVersion(repo, "1", { tokenizer: false });
    assert.throws(
      () => loadModelArtifacts(repo, "distilbert_sst2", "1", { requireModelFile: false }),
      /tokenizer .*tokenizer\.json is missing/,
    );
  });

  test("a tokenizer whose hash differs from model-info.json is refused as belonging to another model", () => {
    const repo = freshRepo();
    writeVersion(repo, "1", { info: { tokenizerSha256: "0".repeat(64) } });
    assert.throws(
      () => loadModelArtifacts(repo, "distilbert_sst2", "1", { requireModelFile: true }),
      /does not belong to this model version/,
    );
  });

  test("model-info.json naming another model is refused", () => {
    const repo = freshRepo();
    writeVersion(repo, "1", { info: { name: "other_model" } });
    assert.throws(
      () => loadModelArtifacts(repo, "distilbert_sst2", "1", { requireModelFile: true }),
      /names model "other_model", expected "distilbert_sst2"/,
    );
  });

  test("model-info.json without the synthetic flag or maximum length lists the missing fields", () => {
    const repo = freshRepo();
    writeVersion(repo, "1", { info: { synthetic: "yes", maxSequenceLength: undefined } });
    assert.throws(
      () => loadModelArtifacts(repo, "distilbert_sst2", "1", { requireModelFile: true }),
      /"synthetic" \(boolean\), "maxSequenceLength"/,
    );
  });
});
