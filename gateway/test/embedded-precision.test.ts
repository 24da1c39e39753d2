/**
 * MODEL_PRECISION picks the model file the embedded backend runs: model.onnx (fp32) or its dynamically
 * quantized twin model.int8.onnx, both written by `npm run setup` for the tiny synthetic model.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { parseConfig } from "../src/config";
import type { BackendConfig, Prediction } from "../src/contracts";
import { DEFAULT_MODEL_PRECISION, type ModelPrecision } from "../src/deployment-contract";
import { EmbeddedBackend } from "../src/inference/embedded";
import { MODEL_FILE, MODEL_INFO_FILE, TOKENIZER_FILE } from "../src/inference/repository-layout";
import { embeddedTestConfig } from "./support/embedded-config";
import { TINY_MODEL_REPOSITORY } from "./support/synthetic-model";

function config(
  precision: ModelPrecision | undefined,
  modelRepository = TINY_MODEL_REPOSITORY,
): BackendConfig {
  // An unset precision stays unset: the default's own test needs it.
  return embeddedTestConfig({ modelRepository, embedded: { precision } });
}

const TEXTS = [
  "The nurse was kind and the recovery went smoothly.",
  "Terrible experience, the wait was endless.",
  "Discharged home in stable condition with follow-up in two weeks.",
  "Pain is worse today and the patient is frustrated.",
];

describe("MODEL_PRECISION in the configuration", () => {
  const env = {
    JWT_ISSUER: "https://issuer.example",
    JWT_JWKS_FILE: "/dev/null",
    DEID_KEY_FILE: "/dev/null",
  };

  test("defaults to int8, the CPU default", () => {
    assert.equal(DEFAULT_MODEL_PRECISION, "int8");
    assert.equal(parseConfig(env).backend.embedded.precision, "int8");
  });

  test("fp32 selects the unquantized model", () => {
    assert.equal(parseConfig({ ...env, MODEL_PRECISION: "fp32" }).backend.embedded.precision, "fp32");
  });

  test("any other value is refused with the allowed values named", () => {
    assert.throws(() => parseConfig({ ...env, MODEL_PRECISION: "fp16" }), /MODEL_PRECISION.*fp32.*int8/);
  });
});

describe("embedded backend precision (tiny synthetic model)", () => {
  const fp32 = new EmbeddedBackend(config("fp32"));
  const int8 = new EmbeddedBackend(config("int8"));
  const scratch = mkdtempSync(path.join(tmpdir(), "precision-"));
  before(() => Promise.all([fp32.start(), int8.start()]));
  after(async () => {
    await Promise.all([fp32.close(), int8.close()]);
    rmSync(scratch, { recursive: true, force: true });
  });

  test("reports the precision it runs in its model info", () => {
    assert.equal(fp32.modelInfo().precision, "fp32");
    assert.equal(int8.modelInfo().precision, "int8");
  });

  test("a hand-built configuration without a precision runs the default one", async () => {
    const unset = new EmbeddedBackend(config(undefined));
    await unset.start();
    try {
      assert.equal(unset.modelInfo().precision, DEFAULT_MODEL_PRECISION);
    } finally {
      await unset.close();
    }
  });

  test("int8 runs a different file: same labels as fp32, scores close but not identical", async () => {
    const [a, b] = await Promise.all([fp32.classify(TEXTS), int8.classify(TEXTS)]);
    assert.deepEqual(
      b.map((p: Prediction) => p.label),
      a.map((p: Prediction) => p.label),
    );
    const differences = a.map((p, i) => Math.abs(p.score - (b[i] as Prediction).score));
    assert.ok(Math.max(...differences) < 0.05, `score differences ${differences.join(", ")}`);
    assert.ok(Math.max(...differences) > 0, "int8 gave bit-identical scores: it did not run the int8 file");
  });

  test("int8 without model.int8.onnx fails start() naming the file and both ways out", async () => {
    const versionDir = path.join(scratch, "distilbert_sst2", "1");
    mkdirSync(versionDir, { recursive: true });
    const source = path.join(TINY_MODEL_REPOSITORY, "distilbert_sst2", "1");
    for (const file of [MODEL_FILE, MODEL_INFO_FILE, TOKENIZER_FILE]) {
      copyFileSync(path.join(source, file), path.join(versionDir, file));
    }
    const missing = new EmbeddedBackend(config("int8", scratch));
    await assert.rejects(
      missing.start(),
      /MODEL_PRECISION=int8 needs .*model\.int8\.onnx, which is missing: run .*quantize-version\.sh \S+.*MODEL_PRECISION=fp32/,
    );
    const fallback = new EmbeddedBackend(config("fp32", scratch));
    await fallback.start();
    await fallback.close();
  });
});
