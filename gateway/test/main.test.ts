import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { describe, it } from "node:test";
import { localDevFiles } from "../src/config";
import { ensureLocalDevFiles } from "../src/local-dev";
import { loadSigner } from "../src/oauth/signer";
import { createTestKeys, TEST_AUDIENCE, TEST_ISSUER } from "./support/keys";

/**
 * `npm start` (src/main.ts) as a real process. The Triton backend points at a closed port so no model is
 * needed: the gateway serves /v1/deidentify, keeps /readyz failing, and retries the backend.
 */
const ROOT = path.resolve(__dirname, "..");
const NO_TRITON = {
  BACKEND: "triton",
  MODEL_VERSION: "1",
  TRITON_URL: "http://127.0.0.1:9",
  LOG_LEVEL: "info",
};

function startMain(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; port: number; stderr: () => string; logs: Record<string, unknown>[] }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOST: "127.0.0.1",
      PORT: "0",
      METRICS_PORT: "0",
      ...NO_TRITON,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  const logs: Record<string, unknown>[] = [];
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      const record = JSON.parse(line);
      logs.push(record);
      if (record.msg === "gateway listening")
        resolve({ child, port: record.port, stderr: () => stderr, logs });
    });
    child.once("exit", (code) => reject(new Error(`gateway exited with ${code}: ${stderr}`)));
  });
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  return exited;
}

function deidentify(port: number, token: string) {
  return fetch(`http://127.0.0.1:${port}/v1/deidentify`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ text: "Seen by Dr. Alice Carter on 02/03/2024." }),
  });
}

describe("npm start (src/main.ts)", () => {
  it("with no configuration creates dev keys and prints a curl example whose token works", {
    timeout: 90_000,
  }, async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), "gateway-main-")), "dev-keys");
    const gw = await startMain({ LOCAL_DEV_DIR: dir });
    try {
      for (const file of Object.values(localDevFiles(dir)).slice(1)) assert.ok(existsSync(file), file);
      while (!gw.stderr().includes("curl -s")) await new Promise((resolve) => setTimeout(resolve, 20));
      const token = /TOKEN=(\S+)/.exec(gw.stderr())?.[1] as string;
      assert.ok(token);
      const res = await deidentify(gw.port, token);
      assert.equal(res.status, 200);
      const body = (await res.json()) as { text: string };
      assert.doesNotMatch(body.text, /Alice Carter|02\/03\/2024/);
      const secret = readFileSync(localDevFiles(dir).clientSecretFile, "utf8").trim();
      assert.ok(gw.stderr().includes(`-u 'local-dev:${secret}'`));
      const issued = await fetch(`http://127.0.0.1:${gw.port}/oauth2/token`, {
        method: "POST",
        headers: {
          Authorization: `Basic ${Buffer.from(`local-dev:${secret}`).toString("base64")}`,
          "Content-Type": "application/x-www-form-urlencoded",
        },
        body: "grant_type=client_credentials",
      });
      assert.equal(issued.status, 200);
      assert.equal((await fetch(`http://127.0.0.1:${gw.port}/readyz`)).status, 503, "Triton is unreachable");
    } finally {
      assert.equal(await stop(gw.child), 0);
    }
  });

  it("with JWT_JWKS_FILE set verifies against that key set and not the dev key", {
    timeout: 90_000,
  }, async () => {
    const keys = await createTestKeys();
    const dir = path.join(mkdtempSync(path.join(tmpdir(), "gateway-main-")), "dev-keys");
    await ensureLocalDevFiles(localDevFiles(dir));
    const devSigner = await loadSigner(localDevFiles(dir).signingKeyFile);
    const devToken = await devSigner.sign({
      issuer: TEST_ISSUER,
      audience: TEST_AUDIENCE,
      clientId: "local-dev",
      scope: "phi:deidentify",
      ttlSeconds: 300,
    });
    const gw = await startMain({
      LOCAL_DEV_DIR: dir,
      JWT_JWKS_FILE: keys.jwksFile,
      JWT_ISSUER: TEST_ISSUER,
      JWT_AUDIENCE: TEST_AUDIENCE,
      DEID_KEY_FILE: keys.signingKeyFile,
    });
    try {
      assert.equal((await deidentify(gw.port, await keys.mint({ scope: "phi:deidentify" }))).status, 200);
      const rejected = await deidentify(gw.port, devToken);
      assert.equal(rejected.status, 401);
      assert.equal(((await rejected.json()) as { reason: string }).reason, "unknown_kid");
      const tokenEndpoint = await fetch(`http://127.0.0.1:${gw.port}/oauth2/token`, { method: "POST" });
      assert.equal(tokenEndpoint.status, 404, "no token endpoint without OAUTH_SIGNING_KEY_FILE");
    } finally {
      assert.equal(await stop(gw.child), 0);
    }
  });

  it("de-identifies with the rules and the learned model by default and names both in its start-up log", {
    timeout: 90_000,
  }, async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), "gateway-main-")), "dev-keys");
    const gw = await startMain({ LOCAL_DEV_DIR: dir });
    try {
      const loaded = gw.logs.find((r) => r.msg === "de-identifier loaded");
      assert.equal(loaded?.detectors, "rules+model");
    } finally {
      assert.equal(await stop(gw.child), 0);
    }
  });

  it("with DEID_MODEL naming a missing file is not ready and answers 503 dependency-missing, never the text", {
    timeout: 90_000,
  }, async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), "gateway-main-")), "dev-keys");
    const gw = await startMain({ LOCAL_DEV_DIR: dir, DEID_MODEL: path.join(dir, "no-such-model.onnx") });
    try {
      while (!gw.stderr().includes("curl -s")) await new Promise((resolve) => setTimeout(resolve, 20));
      const token = /TOKEN=(\S+)/.exec(gw.stderr())?.[1] as string;
      const ready = await fetch(`http://127.0.0.1:${gw.port}/readyz`);
      assert.equal(ready.status, 503);
      assert.equal(((await ready.json()) as { missing: string }).missing, "de-identification engine");
      const res = await deidentify(gw.port, token);
      assert.equal(res.status, 503);
      assert.equal(res.headers.get("content-type"), "application/problem+json; charset=utf-8");
      const body = await res.text();
      assert.match(body, /dependency-missing/);
      assert.doesNotMatch(body, /Alice Carter|02\/03\/2024/);
    } finally {
      assert.equal(await stop(gw.child), 0);
    }
  });

  it("stops with one line naming the variable when the environment is invalid", { timeout: 90_000 }, () => {
    const out = spawnSync(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", PORT: "abc" },
      encoding: "utf8",
      timeout: 60_000,
    });
    assert.equal(out.status, 1);
    assert.equal(out.stderr, 'gateway: PORT must be an integer 0-65535, got "abc"\n');
  });
});
