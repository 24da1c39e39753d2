import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { REDACTED_SECURITY_LABEL } from "../src/batch/fhir-output";
import {
  fixture,
  GATEWAY_ROOT,
  localEnv,
  phiIn,
  readLines,
  runBatchCli,
  tempDir,
} from "./fixtures/batch/harness";

/** `npm run batch` as a real process in local mode: the embedded backend over the tiny synthetic model. */

const TIMEOUT = { timeout: 120_000 };

interface OutputRecord {
  id: string;
  text?: string;
  label?: string;
  score?: number;
  truncated?: boolean;
  model?: { name: string; version: string; synthetic: boolean };
  phi: { count: number; types: Record<string, number> };
}

describe("npm run batch, local mode", () => {
  it(
    "de-identifies and classifies every JSON Lines record, in input order, with PHI counts, truncated and the model",
    TIMEOUT,
    async () => {
      const out = path.join(tempDir(), "out.jsonl");
      const run = await runBatchCli(["--in", fixture("notes.jsonl"), "--out", out]);
      assert.equal(run.code, 0, run.stderr);
      const records = readLines<OutputRecord>(out);
      assert.deepEqual(
        records.map((r) => r.id),
        ["note-1", "note-2", "note-3", "note-4", "note-5"],
      );
      const first = records[0] as OutputRecord;
      assert.equal(first.text, "Patient [NAME] (MRN [MRN]) felt much better after the visit on [DATE].");
      assert.deepEqual(first.phi, { count: 3, types: { NAME: 1, MRN: 1, DATE: 1 } });
      // The model as the backend reports it (ModelInfo may grow fields; these three identify it).
      const { name, version, synthetic } = first.model ?? {};
      assert.deepEqual(
        { name, version, synthetic },
        { name: "distilbert_sst2", version: "1", synthetic: true },
      );
      for (const r of records) {
        assert.ok(r.label === "POSITIVE" || r.label === "NEGATIVE", r.id);
        assert.ok(typeof r.score === "number" && r.score >= 0.5 && r.score <= 1, r.id);
        assert.equal(r.truncated, false);
      }
      assert.match(run.stderr, /batch: 5 records, 5 written, 0 failed; [\d.]+ records\/s in [\d.]+ s/);
    },
  );

  it(
    "--task deidentify writes text and PHI counts only, --task sentiment label, score and truncated without text",
    TIMEOUT,
    async () => {
      const dir = tempDir();
      const deid = await runBatchCli([
        "--in",
        fixture("notes.jsonl"),
        "--out",
        path.join(dir, "d.jsonl"),
        "--task",
        "deidentify",
      ]);
      const sentiment = await runBatchCli([
        "--in",
        fixture("notes.jsonl"),
        "--out",
        path.join(dir, "s.jsonl"),
        "--task",
        "sentiment",
      ]);
      assert.equal(deid.code, 0, deid.stderr);
      assert.equal(sentiment.code, 0, sentiment.stderr);
      assert.deepEqual(Object.keys(readLines(path.join(dir, "d.jsonl"))[0] ?? {}), ["id", "text", "phi"]);
      assert.deepEqual(Object.keys(readLines(path.join(dir, "s.jsonl"))[0] ?? {}), [
        "id",
        "label",
        "score",
        "truncated",
        "model",
        "phi",
      ]);
    },
  );

  it(
    "bad records go to the errors file with their line and a reason, the others are written, and the exit status is 1 with the count on stderr",
    TIMEOUT,
    async () => {
      const dir = tempDir();
      const out = path.join(dir, "out.jsonl");
      const run = await runBatchCli(["--in", fixture("bad.jsonl"), "--out", out, "--max-text-chars", "200"]);
      assert.equal(run.code, 1, run.stderr);
      assert.deepEqual(
        readLines<OutputRecord>(out).map((r) => r.id),
        ["ok-1", "ok-2"],
      );
      assert.deepEqual(readLines(path.join(dir, "out.errors.jsonl")), [
        { line: 2, reason: "invalid JSON" },
        { line: 3, reason: 'missing field "id"' },
        { line: 4, id: "empty", reason: "empty text" },
        { line: 5, id: "long", reason: "text longer than 200 characters" },
        { line: 6, id: "not-text", reason: 'field "text" must be a string' },
        { line: 7, id: "ok-1", reason: "duplicate id (first on line 1)" },
      ]);
      assert.match(run.stderr, /batch: 6 records failed; reasons in .*out\.errors\.jsonl\n$/);
    },
  );

  it(
    "no original text reaches the output, the errors file, stdout or stderr, for good and bad records of every format",
    TIMEOUT,
    async () => {
      const dir = tempDir();
      const runs: Array<[string, string[]]> = [
        ["bad.jsonl", ["--max-text-chars", "200"]],
        ["notes.csv", ["--id-field", "note_id", "--text-field", "note_text"]],
        ["bad.csv", ["--id-field", "note_id", "--text-field", "note_text"]],
        ["notes-folder", []],
        ["fhir-bad.ndjson", []],
      ];
      for (const [name, extra] of runs) {
        const out = path.join(dir, `${name}.out.jsonl`);
        const run = await runBatchCli(["--in", fixture(name), "--out", out, ...extra]);
        assert.ok(run.code === 0 || run.code === 1, `${name}: ${run.stderr}`);
        const written = [out, path.join(dir, `${name}.out.errors.jsonl`)]
          .map((f) => readFileSync(f, "utf8"))
          .join("");
        assert.ok(readLines(out).length > 0, `${name} wrote records`);
        assert.deepEqual(phiIn(written + run.stdout + run.stderr), [], name);
      }
    },
  );

  it(
    "FHIR input with --fhir-out also writes a de-identified copy of each resource carrying a REDACTED security label",
    TIMEOUT,
    async () => {
      const dir = tempDir();
      const fhirOut = path.join(dir, "deidentified.ndjson");
      const run = await runBatchCli([
        "--in",
        fixture("fhir.ndjson"),
        "--out",
        path.join(dir, "out.jsonl"),
        "--fhir-out",
        fhirOut,
        "--task",
        "deidentify",
      ]);
      assert.equal(run.code, 0, run.stderr);
      const resources = readLines<Record<string, unknown>>(fhirOut);
      assert.deepEqual(
        resources.map((r) => `${r.resourceType}/${r.id}`),
        ["DocumentReference/doc-1", "DocumentReference/doc-2", "DiagnosticReport/rep-1"],
      );
      for (const r of resources) assert.deepEqual(r.meta, { security: [REDACTED_SECURITY_LABEL] });
      const decoded = resources
        .flatMap((r) => [
          ...((r.content as { attachment: { data: string } }[]) ?? []).map((c) => c.attachment),
          ...((r.presentedForm as { data: string }[]) ?? []),
        ])
        .map((a) => Buffer.from(a.data, "base64").toString("utf8"));
      assert.equal(decoded[0], "Patient [NAME] (MRN [MRN]) felt much better after the visit on [DATE].");
      assert.equal(decoded.length, 3, "one note per resource; the PDF attachment is not copied");
      assert.deepEqual(phiIn(JSON.stringify(resources) + decoded.join("")), []);
    },
  );

  it(
    "stderr carries plain progress lines rather than a redrawn bar when it is not a terminal",
    TIMEOUT,
    async () => {
      const run = await runBatchCli(
        ["--in", fixture("notes.jsonl"), "--out", path.join(tempDir(), "o.jsonl")],
        localEnv({ CI: "true" }),
      );
      assert.equal(run.code, 0, run.stderr);
      assert.doesNotMatch(run.stderr, /\r/);
      assert.match(run.stderr, /^batch: 5\/5 records \(100%\), [\d.]+ records\/s, ETA \S+, 0 failed$/m);
    },
  );

  it(
    "on a terminal stderr shows a progress bar redrawn in place, with records, rate, ETA and errors",
    TIMEOUT,
    async (t) => {
      // util-linux `script` runs the command on a pseudo-terminal, so stderr.isTTY is true as in a shell.
      if (spawnSync("script", ["--version"]).error) {
        t.skip("util-linux script(1) is not installed, so no pseudo-terminal can be made");
        return;
      }
      const out = path.join(tempDir(), "o.jsonl");
      const command = [
        "node",
        "--import",
        "tsx",
        "src/cli/batch.ts",
        "--in",
        fixture("notes.jsonl"),
        "--out",
        out,
      ]
        .map((a) => `'${a}'`)
        .join(" ");
      const { CI: _ci, ...env } = localEnv();
      const run = spawnSync("script", ["-qec", command, "/dev/null"], {
        cwd: GATEWAY_ROOT,
        env,
        encoding: "utf8",
      });
      assert.equal(run.status, 0, run.stdout);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: a terminal progress bar redraws its line with ESC [2K
      assert.match(run.stdout, /\r\x1b\[2K\[#{24}\] 5\/5 100% \| [\d.]+ rec\/s \| ETA 0s \| 0 errors/);
      assert.equal(readLines(out).length, 5);
    },
  );

  it(
    "exits 2 with one line for a bad flag, a missing --in, an unreadable input and --fhir-out on non-FHIR input",
    TIMEOUT,
    async () => {
      const out = path.join(tempDir(), "o.jsonl");
      const cases: Array<[string[], RegExp]> = [
        [
          ["--in", fixture("notes.jsonl"), "--out", out, "--task", "summarise"],
          /^batch: --task must be one of deidentify, sentiment, both, got "summarise"\n$/,
        ],
        [["--out", out], /^batch: --in is required: the file or folder to read\n$/],
        [
          ["--in", path.join(tempDir(), "nope.jsonl"), "--out", out],
          /^batch: cannot read --in .*nope\.jsonl \(ENOENT\)\n$/,
        ],
        [
          ["--in", fixture("notes.jsonl"), "--out", out, "--fhir-out", `${out}.fhir`],
          /^batch: --fhir-out needs FHIR input, but .* reads as jsonl\n$/,
        ],
        [
          ["--in", fixture("notes.jsonl"), "--out", out, "--concurrency", "0"],
          /^batch: --concurrency must be an integer 1-256, got "0"\n$/,
        ],
      ];
      for (const [args, message] of cases) {
        const run = await runBatchCli(args);
        assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
        assert.match(run.stderr, message);
      }
    },
  );
});
