import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { localEnv, phiIn, readLines, runBatchCli, spawnBatch, tempDir } from "./fixtures/batch/harness";

/** Kill a real batch process with SIGKILL part-way through, then run it again with the same --out. */

const RECORDS = 3000;

function writeNotes(file: string): string[] {
  const ids = Array.from({ length: RECORDS }, (_, i) => `note-${String(i).padStart(5, "0")}`);
  const lines = ids.map(
    (id, i) =>
      `${JSON.stringify({ id, text: `Patient John Smith (MRN 12345678) visit ${i}: pain ${i % 2 ? "better" : "worse"} since 03/14/2024.` })}\n`,
  );
  writeFileSync(file, lines.join(""));
  return ids;
}

function lineCount(file: string): number {
  try {
    return readFileSync(file, "utf8").split("\n").length - 1;
  } catch {
    return 0;
  }
}

describe("npm run batch, resume after a kill", () => {
  it("a run killed with SIGKILL mid-way and run again writes every record exactly once, in input order", {
    timeout: 300_000,
  }, async () => {
    const dir = tempDir();
    const input = path.join(dir, "notes.jsonl");
    const out = path.join(dir, "out.jsonl");
    const ids = writeNotes(input);
    const env = localEnv();

    // One record per call keeps the first run slow enough to be caught part-way on any machine.
    const child = spawnBatch(["--in", input, "--out", out, "--batch-size", "1", "--concurrency", "1"], env);
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once("exit", (_code, signal) => resolve(signal)),
    );
    let stopped = false;
    void exited.then(() => {
      stopped = true;
    });
    while (!stopped && lineCount(out) < 50) await new Promise((resolve) => setTimeout(resolve, 5));
    child.kill("SIGKILL");
    assert.equal(await exited, "SIGKILL", "the first run was killed before it finished");
    const beforeResume = lineCount(out);
    assert.ok(
      beforeResume >= 50 && beforeResume < RECORDS,
      `${beforeResume} records written before the kill`,
    );

    const resumed = await runBatchCli(["--in", input, "--out", out], env);
    assert.equal(resumed.code, 0, resumed.stderr);
    const skipped = Number(/(\d+) already done by an earlier run/.exec(resumed.stderr)?.[1]);
    assert.equal(skipped, beforeResume, "exactly the complete lines count as done");
    assert.match(
      resumed.stderr,
      new RegExp(`batch: ${RECORDS} records, ${RECORDS - skipped} written, 0 failed`),
    );

    const written = readLines<{ id: string }>(out).map((r) => r.id);
    assert.deepEqual(written, ids, "each id once, in input order");
    assert.deepEqual(phiIn(readFileSync(out, "utf8")), []);

    const size = statSync(out).size;
    const again = await runBatchCli(["--in", input, "--out", out], env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, new RegExp(`0 written, 0 failed, ${RECORDS} already done by an earlier run`));
    assert.equal(statSync(out).size, size, "a finished run is not written again");
  });
});
