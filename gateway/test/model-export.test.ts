/**
 * The real-model export (triton-models/tools/export_hf_model.py) needs torch, transformers and internet access,
 * none of which our build machines have; there it must stop with a clear message instead of half-working.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { REPO_ROOT, requireVenvPython } from "./support/synthetic-model";

const EXPORTER = path.join(REPO_ROOT, "triton-models", "tools", "export_hf_model.py");
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
    assert.match(lines[0] ?? "", /^export_hf_model: missing Python packages: torch, transformers\./);
    assert.equal(existsSync(out), false);
  });

  test("an output folder that is not a numeric Triton version is refused before anything runs", () => {
    const result = run(["--out", path.join(dir, "distilbert_sst2", "latest")]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--out must end in a numeric Triton version folder/);
  });
});
