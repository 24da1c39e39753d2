import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadDeidModel } from "../src/deid-model/index";

const RETRAIN = join(__dirname, "..", "deid-model", "retrain.ts");
const SAMPLE_DIR = join(__dirname, "fixtures", "deid");

describe("retraining the learned detector on i2b2 XML notes", () => {
  it("trains a loadable model from a tiny corpus with one command and writes the before/after comparison", async () => {
    const out = mkdtempSync(join(tmpdir(), "deid-retrain-"));
    const run = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        RETRAIN,
        SAMPLE_DIR,
        "--out",
        out,
        "--synthetic",
        "30",
        "--icd",
        "20",
        "--epochs",
        "1",
      ],
      { encoding: "utf8" },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /\| all \| \| [\d.]+% \| [\d.]+% \|/);
    const compare = JSON.parse(readFileSync(join(out, "compare.json"), "utf8")) as {
      heldOutNotes: number;
      before: { recall: number };
      after: { recall: number };
    };
    assert.equal(compare.heldOutNotes, 1);
    assert.ok(compare.after.recall >= 0 && compare.after.recall <= 1);
    assert.ok(existsSync(join(out, "model.onnx")));
    const model = await loadDeidModel(join(out, "model.onnx"));
    assert.ok(Array.isArray(await model.find("Seen by Dr. Ivy Quinlan on 2088-07-03.")));
    await model.close();
  });

  it("prints usage and fails when no directory is given", () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", RETRAIN], { encoding: "utf8" });
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /usage: deid-model\/retrain\.ts <dir of i2b2 XML>/);
  });

  it("fails with a clear message on a directory without i2b2 files", () => {
    const empty = mkdtempSync(join(tmpdir(), "deid-retrain-empty-"));
    const run = spawnSync(process.execPath, ["--import", "tsx", RETRAIN, empty], { encoding: "utf8" });
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /no \.xml files in/);
  });
});
