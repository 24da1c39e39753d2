import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, it } from "node:test";
import { TokenSource } from "../src/batch/token-source";
import {
  fixture,
  GATEWAY_ROOT,
  phiIn,
  readLines,
  runBatchCli,
  TINY_MODEL_ENV,
  tempDir,
} from "./fixtures/batch/harness";
import { writeClientsFile } from "./support/clients";
import { createTestKeys, TEST_AUDIENCE, TEST_ISSUER, type TestKeys } from "./support/keys";
import { tinyModelRepository } from "./support/synthetic-model";

/**
 * `npm run batch -- --target` against the real gateway (src/main.ts, the `npm start` process) on loopback,
 * with the embedded backend over the tiny model and a registered OAuth2 client.
 */

const CLIENT = {
  clientId: "batch-client",
  secret: "batch-client-secret-0123456789",
  scopes: ["inference:invoke", "phi:deidentify"],
};
const TIMEOUT = { timeout: 180_000 };

interface Gateway {
  child: ChildProcess;
  url: string;
  logs: string[];
  env: Record<string, string>;
}

/** The settings both the gateway and a local batch run read, so their answers can be compared. */
function sharedEnv(keys: TestKeys): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    JWT_JWKS_FILE: keys.jwksFile,
    JWT_ISSUER: TEST_ISSUER,
    JWT_AUDIENCE: TEST_AUDIENCE,
    DEID_KEY_FILE: keys.signingKeyFile,
    BACKEND: "embedded",
    MODEL_REPOSITORY: tinyModelRepository(),
    ORT_INTRA_OP_THREADS: "1",
    // These tests are about the batch client, not the latency budget: a busy test machine must not shed them.
    REQUEST_DEADLINE_MS: "60000",
    ...TINY_MODEL_ENV,
  };
}

async function startGateway(keys: TestKeys, extra: Record<string, string> = {}): Promise<Gateway> {
  const env = {
    ...sharedEnv(keys),
    OAUTH_SIGNING_KEY_FILE: keys.signingKeyFile,
    OAUTH_CLIENTS_FILE: await writeClientsFile([CLIENT]),
    HOST: "127.0.0.1",
    PORT: "0",
    METRICS_PORT: "0",
    LOG_LEVEL: "info",
    ...extra,
  };
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: GATEWAY_ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: string[] = [];
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  const url = await new Promise<string>((resolve, reject) => {
    let port = 0;
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      logs.push(line);
      const record = JSON.parse(line) as { msg: string; port?: number };
      if (record.msg === "gateway listening") port = record.port as number;
      if (record.msg === "inference backend ready") resolve(`http://127.0.0.1:${port}`);
    });
    child.once("exit", (code) => reject(new Error(`gateway exited with ${code}: ${stderr}`)));
  });
  return { child, url, logs, env };
}

async function stop(gateway: Gateway | undefined): Promise<void> {
  if (gateway === undefined || gateway.child.exitCode !== null) return;
  const exited = new Promise((resolve) => gateway.child.once("exit", resolve));
  gateway.child.kill("SIGTERM");
  await exited;
}

function remoteArgs(gateway: Gateway, ...args: string[]): string[] {
  return ["--target", gateway.url, "--client-id", CLIENT.clientId, ...args];
}

const remoteEnv = (secret = CLIENT.secret) => ({ PATH: process.env.PATH ?? "", BATCH_CLIENT_SECRET: secret });

interface OutputRecord {
  id: string;
  text?: string;
  label?: string;
  score?: number;
  phi: unknown;
}

describe("npm run batch --target, against a gateway process", () => {
  let keys: TestKeys;
  let gateway: Gateway | undefined;

  before(async () => {
    keys = await createTestKeys();
    gateway = await startGateway(keys);
  });
  after(() => stop(gateway));

  it(
    "writes the same records through the gateway as a local run with the same settings writes",
    TIMEOUT,
    async () => {
      const gw = gateway as Gateway;
      const dir = tempDir();
      const remoteOut = path.join(dir, "remote.jsonl");
      const localOut = path.join(dir, "local.jsonl");
      const remote = await runBatchCli(
        ["--in", fixture("notes.jsonl"), "--out", remoteOut, ...remoteArgs(gw, "--batch-size", "2")],
        remoteEnv(),
      );
      assert.equal(remote.code, 0, remote.stderr);
      const local = await runBatchCli(["--in", fixture("notes.jsonl"), "--out", localOut], sharedEnv(keys));
      assert.equal(local.code, 0, local.stderr);
      const strip = (r: OutputRecord) => ({ ...r, score: Number(r.score?.toFixed(5)) });
      assert.deepEqual(
        readLines<OutputRecord>(remoteOut).map(strip),
        readLines<OutputRecord>(localOut).map(strip),
      );
      assert.match(remote.stderr, new RegExp(`gateway ${gw.url.replace(/[.]/g, "\\.")}`));
    },
  );

  it(
    "keeps PHI out of its output and stderr and the gateway's logs, for good and bad records",
    TIMEOUT,
    async () => {
      const gw = gateway as Gateway;
      const dir = tempDir();
      const out = path.join(dir, "out.jsonl");
      const run = await runBatchCli(
        ["--in", fixture("bad.jsonl"), "--out", out, "--max-text-chars", "200", ...remoteArgs(gw)],
        remoteEnv(),
      );
      assert.equal(run.code, 1, run.stderr);
      assert.deepEqual(
        readLines<OutputRecord>(out).map((r) => r.id),
        ["ok-1", "ok-2"],
      );
      const written = [out, path.join(dir, "out.errors.jsonl")].flatMap((f) => readLines(f));
      assert.deepEqual(phiIn(JSON.stringify(written) + run.stdout + run.stderr + gw.logs.join("\n")), []);
    },
  );

  it(
    "a wrong client secret stops the run with exit status 2 and one line before any record is read",
    TIMEOUT,
    async () => {
      const gw = gateway as Gateway;
      const out = path.join(tempDir(), "out.jsonl");
      const run = await runBatchCli(
        ["--in", fixture("notes.jsonl"), "--out", out, ...remoteArgs(gw)],
        remoteEnv("not-the-secret-at-all"),
      );
      assert.equal(run.code, 2);
      assert.match(
        run.stderr,
        /^batch: token endpoint http:\/\/127\.0\.0\.1:\d+\/oauth2\/token answered 401 \(invalid_client\) for client batch-client\n$/,
      );
      assert.equal(run.stderr.includes("not-the-secret-at-all"), false);
    },
  );

  it("renews its token before the token expires, and reuses it until then", TIMEOUT, async () => {
    const gw = gateway as Gateway;
    let now = Date.now();
    const tokens = new TokenSource({
      tokenUrl: `${gw.url}/oauth2/token`,
      clientId: CLIENT.clientId,
      clientSecret: CLIENT.secret,
      scope: "inference:invoke",
      maxAttempts: 2,
      now: () => now,
    });
    const first = await tokens.token();
    // The gateway's default token lifetime is 300 s; renewal is due when 20% (at most a minute) is left.
    now += 239_000;
    assert.equal(await tokens.token(), first);
    now += 2_000;
    const renewed = await tokens.token();
    assert.notEqual(renewed, first);
    assert.equal(tokens.issued, 2);
    const res = await fetch(`${gw.url}/v1/sentiment`, {
      method: "POST",
      headers: { Authorization: `Bearer ${renewed}`, "Content-Type": "application/json" },
      body: JSON.stringify({ text: "Feeling better today." }),
    });
    assert.equal(res.status, 200);
  });
});

describe("npm run batch --target, against a rate-limited gateway", () => {
  let gateway: Gateway | undefined;
  after(() => stop(gateway));

  it("waits out 429 answers as Retry-After says and still delivers every record", TIMEOUT, async () => {
    const keys = await createTestKeys();
    gateway = await startGateway(keys, { RATE_LIMIT_RPS: "1", RATE_LIMIT_BURST: "1" });
    const out = path.join(tempDir(), "out.jsonl");
    const run = await runBatchCli(
      [
        "--in",
        fixture("notes.jsonl"),
        "--out",
        out,
        "--task",
        "sentiment",
        "--batch-size",
        "1",
        ...remoteArgs(gateway),
      ],
      remoteEnv(),
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      readLines<OutputRecord>(out).map((r) => r.id),
      ["note-1", "note-2", "note-3", "note-4", "note-5"],
    );
    const audits = gateway.logs
      .map((l) => JSON.parse(l) as { audit?: boolean; route?: string; status?: number })
      .filter((r) => r.audit && r.route === "/v1/sentiment/batch");
    const statuses = audits.map((a) => a.status);
    assert.ok(statuses.includes(429), `the gateway refused some calls: ${statuses.join(",")}`);
    assert.equal(statuses.filter((s) => s === 200).length, 5);
  });
});
