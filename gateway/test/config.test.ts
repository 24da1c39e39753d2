import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { LOCAL_DEV_ISSUER, parseConfig } from "../src/config";
import { DEFAULT_DEID_MODEL_PATH } from "../src/deid-model/paths";
import { defaultSessions } from "../src/inference/ort-session-pool";
import { ensureLocalDevFiles, readDeidKey } from "../src/local-dev";
import { parseClients } from "../src/oauth/clients";

const configured = {
  JWT_JWKS_FILE: "/etc/gateway/jwks.json",
  JWT_ISSUER: "https://idp",
  DEID_KEY_FILE: "/k",
};

describe("environment contract", () => {
  it("applies the documented defaults in local development", () => {
    const c = parseConfig({ LOCAL_DEV_DIR: "/tmp/devkeys" });
    assert.equal(c.mode, "local-dev");
    assert.equal(c.http.port, 8080);
    assert.equal(c.http.metricsPort, 9090);
    assert.equal(c.http.host, "0.0.0.0");
    assert.equal(c.auth.issuer, LOCAL_DEV_ISSUER);
    assert.equal(c.auth.audience, "clinical-inference");
    assert.deepEqual(c.auth.algorithms, ["RS256", "ES256"]);
    assert.equal(c.auth.clockToleranceS, 30);
    assert.deepEqual(c.auth.jwks, { kind: "file", path: "/tmp/devkeys/jwks.json" });
    assert.deepEqual(c.oauth, {
      signingKeyFile: "/tmp/devkeys/signing-key.pem",
      clientsFile: "/tmp/devkeys/clients.json",
      tokenTtlS: 300,
    });
    assert.equal(c.backend.kind, "embedded");
    assert.equal(
      c.backend.modelRepository,
      path.resolve(__dirname, "..", "..", "triton-models", "repository"),
    );
    assert.equal(c.backend.modelName, "distilbert_sst2");
    assert.equal(c.backend.modelVersion, undefined);
    assert.deepEqual(c.backend.sequenceBuckets, [16, 32, 64, 128, 256, 512]);
    assert.deepEqual(c.backend.batching, {
      enabled: true,
      maxBatchSize: 16,
      maxQueueDelayMs: 4,
      maxQueueSize: 512,
    });
    assert.equal(c.backend.triton.url, "http://localhost:8000");
    assert.equal(c.backend.triton.timeoutMs, 2000);
    assert.deepEqual(
      [c.http.maxBodyBytes, c.http.maxTextChars, c.http.maxBatchTexts, c.http.shutdownTimeoutMs],
      [65536, 8192, 32, 25000],
    );
    assert.deepEqual(c.limits, {
      rateLimitRps: 50,
      rateLimitBurst: 100,
      maxInflight: 64,
      maxPending: 256,
      requestDeadlineMs: 1000,
    });
    assert.equal(c.deid.defaultOperator, "replace");
    assert.deepEqual(c.deid.operators, {});
    assert.equal(c.deid.strict, false);
    assert.equal(c.deid.keyFile, "/tmp/devkeys/deid.key");
  });

  it("uses the configured JWKS instead of the dev key when JWT_JWKS_FILE is set", () => {
    const c = parseConfig(configured);
    assert.equal(c.mode, "configured");
    assert.deepEqual(c.auth.jwks, { kind: "file", path: "/etc/gateway/jwks.json" });
    assert.equal(c.oauth, undefined, "no token endpoint unless OAUTH_* are set");
    assert.equal(c.localDev, undefined);
  });

  it("uses a remote JWKS when JWT_JWKS_URL is set", () => {
    const c = parseConfig({
      ...configured,
      JWT_JWKS_FILE: undefined,
      JWT_JWKS_URL: "https://idp/.well-known/jwks",
    });
    assert.equal(c.auth.jwks.kind, "url");
  });

  it("parses backend, batching and de-identification settings", () => {
    const c = parseConfig({
      ...configured,
      BACKEND: "triton",
      MODEL_VERSION: "3",
      TRITON_URL: "http://triton.ml.svc:8000/",
      SEQUENCE_BUCKETS: "32,128",
      BATCHING: "off",
      BATCH_MAX_QUEUE_DELAY_MS: "2.5",
      ORT_INTRA_OP_THREADS: "4",
      DEID_OPERATORS: "DATE=shift, NAME=surrogate",
      DEID_DEFAULT_OPERATOR: "mask",
      DEID_STRICT: "true",
    });
    assert.equal(c.backend.kind, "triton");
    assert.equal(c.backend.modelVersion, "3");
    assert.equal(c.backend.triton.url, "http://triton.ml.svc:8000");
    assert.deepEqual(c.backend.sequenceBuckets, [32, 128]);
    assert.equal(c.backend.batching.enabled, false);
    assert.equal(c.backend.batching.maxQueueDelayMs, 2.5);
    assert.equal(c.backend.embedded.intraOpThreads, 4);
    assert.deepEqual(c.deid.operators, { DATE: "shift", NAME: "surrogate" });
    assert.equal(c.deid.defaultOperator, "mask");
    assert.equal(c.deid.strict, true);
  });

  it("ORT_SESSIONS defaults to one session per core, at most MAX_DEFAULT_SESSIONS, and takes a count", () => {
    assert.equal(parseConfig({}).backend.embedded.sessions, defaultSessions(os.availableParallelism()));
    assert.equal(parseConfig({ ORT_SESSIONS: "3" }).backend.embedded.sessions, 3);
  });

  it("DEID_MODEL defaults to the committed learned detector (also when blank) and takes a path or off", () => {
    assert.deepEqual(parseConfig({}).deid.model, { kind: "file", path: DEFAULT_DEID_MODEL_PATH });
    assert.deepEqual(parseConfig({ DEID_MODEL: "off" }).deid.model, { kind: "off" });
    assert.deepEqual(parseConfig({ DEID_MODEL: "models/deid.onnx" }).deid.model, {
      kind: "file",
      path: path.resolve("models/deid.onnx"),
    });
    assert.deepEqual(parseConfig({ DEID_MODEL: " " }).deid.model, {
      kind: "file",
      path: DEFAULT_DEID_MODEL_PATH,
    });
  });

  const bad: Array<[string, Record<string, string | undefined>, string]> = [
    ["PORT", { PORT: "abc" }, 'PORT must be an integer 0-65535, got "abc"'],
    ["METRICS_PORT", { METRICS_PORT: "70000" }, 'METRICS_PORT must be an integer 0-65535, got "70000"'],
    ["same ports", { PORT: "8080", METRICS_PORT: "8080" }, "METRICS_PORT must differ from PORT"],
    ["BACKEND", { BACKEND: "gpu" }, 'BACKEND must be one of embedded, triton, got "gpu"'],
    ["ORT_SESSIONS", { ORT_SESSIONS: "0" }, 'ORT_SESSIONS must be an integer 1-64, got "0"'],
    ["MODEL_VERSION", { BACKEND: "triton" }, "MODEL_VERSION is required when BACKEND=triton"],
    ["JWT_ALGORITHMS", { JWT_ALGORITHMS: "RS256,HS256" }, "JWT_ALGORITHMS must be a comma-separated list of"],
    ["none alg", { JWT_ALGORITHMS: "none" }, "JWT_ALGORITHMS must be"],
    ["TRITON_URL", { TRITON_URL: "triton:8000" }, "TRITON_URL must be an absolute http(s) URL"],
    ["SEQUENCE_BUCKETS", { SEQUENCE_BUCKETS: "64,32" }, "SEQUENCE_BUCKETS must be strictly ascending"],
    ["BATCHING", { BATCHING: "maybe" }, 'BATCHING must be one of on/off/true/false/1/0, got "maybe"'],
    ["RATE_LIMIT_RPS", { RATE_LIMIT_RPS: "-1" }, "RATE_LIMIT_RPS must be a number"],
    ["MAX_BODY_BYTES", { MAX_BODY_BYTES: "1e6" }, "MAX_BODY_BYTES must be an integer"],
    [
      "REQUEST_DEADLINE_MS",
      { REQUEST_DEADLINE_MS: "5" },
      'REQUEST_DEADLINE_MS must be an integer 10-120000, got "5"',
    ],
    ["DEID_OPERATORS type", { DEID_OPERATORS: "SHOE=mask" }, 'DEID_OPERATORS: unknown type "SHOE"'],
    [
      "DEID_OPERATORS op",
      { DEID_OPERATORS: "DATE=blur" },
      'DEID_OPERATORS: unknown operator "blur" for DATE; use one of',
    ],
    ["DEID_DEFAULT_OPERATOR", { DEID_DEFAULT_OPERATOR: "x" }, "DEID_DEFAULT_OPERATOR must be one of"],
    ["LOG_LEVEL", { LOG_LEVEL: "verbose" }, "LOG_LEVEL must be one of"],
    ["both JWKS", { JWT_JWKS_URL: "https://idp/jwks" }, "JWT_JWKS_URL and JWT_JWKS_FILE are both set"],
    ["JWT_ISSUER", { JWT_ISSUER: undefined }, "JWT_ISSUER is required"],
    ["DEID_KEY_FILE", { DEID_KEY_FILE: undefined }, "DEID_KEY_FILE is required"],
    ["OAUTH pair", { OAUTH_SIGNING_KEY_FILE: "/k.pem" }, "OAUTH_SIGNING_KEY_FILE and OAUTH_CLIENTS_FILE"],
  ];
  for (const [name, env, message] of bad) {
    it(`rejects a bad ${name} with one message naming the variable`, () => {
      assert.throws(
        () => parseConfig({ ...configured, ...env }),
        (err: Error) => {
          assert.equal(err.name, "ConfigError");
          assert.ok(err.message.startsWith(message), err.message);
          assert.doesNotMatch(err.message, /\n/);
          return true;
        },
      );
    });
  }

  it("refuses generated development keys when NODE_ENV=production", () => {
    assert.throws(() => parseConfig({ NODE_ENV: "production" }), /JWT_JWKS_URL or JWT_JWKS_FILE is required/);
  });
});

describe("local development secrets", () => {
  it("creates owner-only keys once and reuses them on the next start", async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), "gateway-dev-")), "dev-keys");
    const files = parseConfig({ LOCAL_DEV_DIR: dir }).localDev;
    assert.ok(files);
    const first = await ensureLocalDevFiles(files);
    assert.equal(first.created.length, 3);
    const key = readFileSync(files.signingKeyFile, "utf8");
    assert.match(key, /^-----BEGIN PRIVATE KEY-----/);
    assert.equal(statSync(files.signingKeyFile).mode & 0o777, 0o600);
    assert.equal(statSync(files.deidKeyFile).mode & 0o777, 0o600);
    const jwks = JSON.parse(readFileSync(files.jwksFile, "utf8"));
    assert.equal(jwks.keys[0].alg, "ES256");
    assert.equal("d" in jwks.keys[0], false);
    const second = await ensureLocalDevFiles(files);
    assert.deepEqual(second.created, []);
    assert.equal(readFileSync(files.signingKeyFile, "utf8"), key);
    assert.ok(readDeidKey(files.deidKeyFile).length >= 32);
  });

  it("refuses a DEID_KEY_FILE shorter than 32 bytes", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "gateway-deid-")), "k");
    writeFileSync(file, "short\n");
    assert.throws(() => readDeidKey(file), /DEID_KEY_FILE .* must hold at least 32 bytes/);
  });
});

describe("OAUTH_CLIENTS_FILE", () => {
  const hash = `scrypt$16384$8$1$${"A".repeat(22)}$${"B".repeat(43)}`;
  it("rejects a scope outside the gateway's scopes", () => {
    assert.throws(
      () => parseClients({ clients: [{ client_id: "a", secret_hash: hash, scopes: ["admin"] }] }, "f.json"),
      /clients\[0\]\.scopes may only contain inference:invoke, phi:deidentify/,
    );
  });
  it("rejects a plaintext secret in place of a hash", () => {
    assert.throws(
      () =>
        parseClients(
          { clients: [{ client_id: "a", secret_hash: "hunter2", scopes: ["inference:invoke"] }] },
          "f",
        ),
      /secret_hash must look like scrypt/,
    );
  });
  it("rejects a duplicated client id", () => {
    const c = { client_id: "a", secret_hash: hash, scopes: ["inference:invoke"] };
    assert.throws(() => parseClients({ clients: [c, c] }, "f"), /registered twice/);
  });
});
