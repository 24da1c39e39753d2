import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { DEFAULT_SECRET_ENV, defaultErrorsPath, parseBatchArgs, UsageError } from "../src/batch/args";

const BASE = ["--in", "notes.jsonl", "--out", "out.jsonl"];
const CWD = { INIT_CWD: "/data/exports" };

function refused(argv: string[], message: RegExp, env: NodeJS.ProcessEnv = CWD) {
  assert.throws(
    () => parseBatchArgs(argv, env),
    (err: Error) => err instanceof UsageError && message.test(err.message),
  );
}

describe("batch command line", () => {
  it("paths are resolved against the directory npm was run from, and the errors file sits beside the output", () => {
    const args = parseBatchArgs(BASE, CWD);
    assert.equal(args?.in, path.resolve("/data/exports/notes.jsonl"));
    assert.equal(args?.errors, path.resolve("/data/exports/out.errors.jsonl"));
    assert.equal(args?.task, "both");
    assert.equal(defaultErrorsPath("/x/results"), "/x/results.errors.jsonl");
  });

  it("--target needs --client-id and a secret in the environment, and the secret is never a flag", () => {
    refused([...BASE, "--target", "https://gw.example.org"], /--target needs --client-id/);
    refused(
      [...BASE, "--target", "https://gw.example.org", "--client-id", "ehr-sync"],
      new RegExp(`read from \\$${DEFAULT_SECRET_ENV}, which is not set`),
    );
    refused([...BASE, "--client-secret", "s3cret"], /Unknown option '--client-secret'/);
    const args = parseBatchArgs([...BASE, "--target", "https://gw.example.org", "--client-id", "ehr-sync"], {
      ...CWD,
      [DEFAULT_SECRET_ENV]: "a-secret-of-enough-length",
    });
    assert.equal(args?.remote?.tokenUrl.toString(), "https://gw.example.org/oauth2/token");
  });

  it("plain http is refused for a gateway that is not on this machine, since the secret would travel in clear", () => {
    const env = { ...CWD, [DEFAULT_SECRET_ENV]: "a-secret-of-enough-length" };
    refused([...BASE, "--target", "http://gw.example.org", "--client-id", "c"], /must be https:\/\//, env);
    assert.ok(
      parseBatchArgs([...BASE, "--target", "http://127.0.0.1:8080", "--client-id", "c"], env)?.remote,
    );
  });

  it("remote-only flags without --target, --fhir-out with --task sentiment and clashing paths are refused", () => {
    refused([...BASE, "--client-id", "c"], /--client-id is only used with --target/);
    refused(
      [...BASE, "--fhir-out", "f.ndjson", "--task", "sentiment"],
      /--fhir-out needs de-identified text/,
    );
    refused(["--in", "a.jsonl", "--out", "a.jsonl"], /must be four different paths/);
    refused([...BASE, "--id-field", "note", "--text-field", "note"], /must name different fields/);
  });
});
