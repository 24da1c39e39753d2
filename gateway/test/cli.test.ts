import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { LOCAL_DEV_ISSUER, localDevFiles } from "../src/config";
import { jose } from "../src/jose";
import { ensureLocalDevFiles } from "../src/local-dev";
import { parseSecretHash, verifySecret } from "../src/oauth/secret-hash";

const ROOT = path.resolve(__dirname, "..");

function run(script: string, args: string[], options: { input?: string; env?: Record<string, string> } = {}) {
  const result = spawnSync(process.execPath, ["--import", "tsx", script, ...args], {
    cwd: ROOT,
    input: options.input ?? "",
    env: { PATH: process.env.PATH ?? "", ...options.env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("npm run hash-secret", () => {
  it("prints an scrypt hash of the secret read from stdin that verifies the secret", {
    timeout: 90_000,
  }, async () => {
    const out = run("src/cli/hash-secret.ts", [], { input: "a-client-secret-of-some-length\n" });
    assert.equal(out.status, 0, out.stderr);
    const line = out.stdout.trim();
    assert.match(line, /^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    assert.equal(await verifySecret("a-client-secret-of-some-length", parseSecretHash(line)), true);
  });

  it("refuses a short secret with one line and a non-zero exit", { timeout: 90_000 }, () => {
    const out = run("src/cli/hash-secret.ts", [], { input: "short" });
    assert.equal(out.status, 1);
    assert.equal(out.stderr, "hash-secret: the secret must be at least 16 characters\n");
    assert.equal(out.stdout, "");
  });
});

describe("npm run token", () => {
  it("mints a token with the local dev key, for the local issuer and the requested scopes", {
    timeout: 90_000,
  }, async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), "gateway-cli-")), "dev-keys");
    const files = localDevFiles(dir);
    await ensureLocalDevFiles(files);
    const out = run("src/cli/token.ts", ["--scope", "phi:deidentify", "--ttl", "60"], {
      env: { LOCAL_DEV_DIR: dir },
    });
    assert.equal(out.status, 0, out.stderr);
    const jwks = jose.createLocalJWKSet(JSON.parse(readFileSync(files.jwksFile, "utf8")));
    const { payload } = await jose.jwtVerify(out.stdout.trim(), jwks, {
      issuer: LOCAL_DEV_ISSUER,
      audience: "clinical-inference",
    });
    assert.equal(payload.scope, "phi:deidentify");
    assert.equal(payload.client_id, "local-dev");
    assert.equal((payload.exp as number) - (payload.iat as number), 60);
  });

  it("exits non-zero with one line when no dev key exists", { timeout: 90_000 }, () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), "gateway-cli-")), "missing");
    const out = run("src/cli/token.ts", ["--scope", "inference:invoke"], { env: { LOCAL_DEV_DIR: dir } });
    assert.equal(out.status, 1);
    assert.match(out.stderr, /^token: no local dev key at .*; run "npm start" once to create it\n$/);
  });

  it("exits non-zero with one line on an unknown scope or option", { timeout: 90_000 }, () => {
    const scope = run("src/cli/token.ts", ["--scope", "admin"]);
    assert.equal(scope.status, 1);
    assert.equal(scope.stderr, 'token: unknown scope "admin"; use inference:invoke, phi:deidentify\n');
    const option = run("src/cli/token.ts", ["--scopes", "inference:invoke"]);
    assert.equal(option.status, 1);
    assert.equal(option.stderr.split("\n").length, 2);
    const missing = run("src/cli/token.ts", []);
    assert.match(missing.stderr, /^token: --scope is required/);
  });
});
