/**
 * The real-model export (triton-models/tools/export_hf_model.py) needs torch, transformers and internet access,
 * none of which our build machines have; there it must stop with a clear message instead of half-working.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { REPO_ROOT, requireVenvPython } from "./support/synthetic-model";

const EXPORTER = path.join(REPO_ROOT, "triton-models", "tools", "export_hf_model.py");
const GATE = path.join(REPO_ROOT, "triton-models", "tools", "int8_gate.py");
const dir = mkdtempSync(path.join(tmpdir(), "model-export-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]) {
  return spawnSync(requireVenvPython(), [EXPORTER, ...args], { encoding: "utf8" });
}

const torchInstalled = spawnSync(requireVenvPython(), ["-c", "import torch, transformers"]).status === 0;

describe("Hugging Face export script", () => {
  test("without torch and transformers it exits 1 with one line naming the missing packages, writing nothing", {
    skip: torchInstalled ? "torch and transformers are installed in .venv" : false,
  }, () => {
    const out = path.join(dir, "distilbert_sst2", "2");
    const result = run(["--out", out]);
    assert.equal(result.status, 1);
    const lines = result.stderr.trim().split("\n");
    assert.equal(lines.length, 1, result.stderr);
    // onnx is pinned in .venv (the quantizer needs it); the SST-2 accuracy gate also needs `datasets`.
    assert.match(
      lines[0] ?? "",
      /^export_hf_model: missing Python packages: torch, transformers, datasets\./,
    );
    assert.equal(existsSync(out), false);
  });

  test("an output folder that is not a numeric Triton version is refused before anything runs", () => {
    const result = run(["--out", path.join(dir, "distilbert_sst2", "latest")]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--out must end in a numeric Triton version folder/);
  });
});

describe("int8 publication gate (the export's last step, run here with given accuracies)", () => {
  function gate(fp32: string, int8: string, name: string) {
    const versionDir = path.join(dir, "gate", name);
    mkdirSync(versionDir, { recursive: true });
    const staged = path.join(versionDir, "staged.int8.onnx");
    const target = path.join(versionDir, "model.int8.onnx");
    writeFileSync(staged, "quantized bytes");
    const result = spawnSync(
      requireVenvPython(),
      [GATE, "--fp32-accuracy", fp32, "--int8-accuracy", int8, "--staged", staged, "--target", target],
      { encoding: "utf8" },
    );
    return { result, staged, target };
  }

  test("an int8 model that loses more than one point is refused, both accuracies printed, nothing published", () => {
    const { result, staged, target } = gate("0.9106", "0.8991", "drop");
    assert.equal(result.status, 1);
    assert.match(result.stderr, /fp32 91\.06%, int8 89\.91% \(drop 1\.15 points, limit 1\.0\): REFUSED/);
    assert.equal(existsSync(target), false);
    assert.equal(existsSync(staged), false, "the refused file is deleted, not left for a later upload");
  });

  test("an int8 model within one point is published beside the fp32 one", () => {
    const { result, target } = gate("0.9106", "0.9037", "keep");
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /fp32 91\.06%, int8 90\.37% \(drop 0\.69 points, limit 1\.0\): published/);
    assert.equal(readFileSync(target, "utf8"), "quantized bytes");
  });

  test("an accuracy that is not a fraction is a usage error", () => {
    const { result } = gate("91.06", "90.37", "percent");
    assert.equal(result.status, 2);
    assert.match(result.stderr, /accuracies are fractions in \[0, 1\], got 91\.06/);
  });
});
