import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import request from "supertest";
import { createTokenVerifier, keySetFor } from "../src/auth/verifier";
import { jose } from "../src/jose";
import { buildTestApp, type TestApp } from "./support/app";
import { createTestKeys, TEST_AUDIENCE, TEST_ISSUER } from "./support/keys";

const INVALID_TOKEN = /^Bearer realm="clinical-inference", error="invalid_token"/;

async function call(t: TestApp, token: string, path = "/v1/sentiment") {
  return request(t.app).post(path).set("Authorization", `Bearer ${token}`).send({ text: "fine" });
}

function b64(json: object): string {
  return Buffer.from(JSON.stringify(json)).toString("base64url");
}

describe("bearer token verification on /v1 routes", () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
  });

  async function expectInvalid(token: string, reason: string) {
    const res = await call(t, token);
    assert.equal(res.status, 401);
    assert.match(String(res.headers["content-type"]), /^application\/problem\+json/);
    assert.match(String(res.headers["www-authenticate"]), INVALID_TOKEN);
    assert.equal(res.body.type, "urn:clinical-inference:problem:invalid-token");
    assert.equal(res.body.reason, reason);
    return res;
  }

  it("accepts a valid ES256 token from the configured key set", async () => {
    await call(t, await t.keys.mint()).then((res) => assert.equal(res.status, 200));
  });

  it("rejects a request without Authorization with 401 and a bare Bearer challenge", async () => {
    const res = await request(t.app).post("/v1/sentiment").send({ text: "fine" }).expect(401);
    assert.equal(res.headers["www-authenticate"], 'Bearer realm="clinical-inference"');
    assert.equal(res.body.type, "urn:clinical-inference:problem:unauthenticated");
  });

  it("rejects a non-Bearer Authorization scheme", async () => {
    const res = await request(t.app)
      .post("/v1/sentiment")
      .set("Authorization", "Basic Y2xpZW50OnNlY3JldA==")
      .send({ text: "fine" })
      .expect(401);
    assert.match(String(res.headers["www-authenticate"]), /error="invalid_request"/);
  });

  it('rejects an unsigned token (alg "none")', async () => {
    const unsigned = new jose.UnsecuredJWT({ sub: "client-a", scope: "inference:invoke" })
      .setIssuer(TEST_ISSUER)
      .setAudience(TEST_AUDIENCE)
      .setExpirationTime("5m")
      .encode();
    await expectInvalid(unsigned, "algorithm_not_allowed");
  });

  it("rejects an HS256 token whose HMAC secret is the public key (algorithm confusion)", async () => {
    const publicPem = t.keys.publicKey.export({ type: "spki", format: "pem" }) as string;
    const now = Math.floor(Date.now() / 1000);
    const forged = await new jose.SignJWT({
      iss: TEST_ISSUER,
      aud: TEST_AUDIENCE,
      sub: "client-a",
      scope: "inference:invoke",
      exp: now + 300,
    })
      .setProtectedHeader({ alg: "HS256", kid: t.keys.kid })
      .sign(new TextEncoder().encode(publicPem));
    await expectInvalid(forged, "algorithm_not_allowed");
  });

  it("rejects an expired token beyond the clock tolerance", async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectInvalid(await t.keys.mint({ iat: now - 600, exp: now - 120 }), "expired");
  });

  it("accepts a token that expired within the clock tolerance (30 s)", async () => {
    const now = Math.floor(Date.now() / 1000);
    const res = await call(t, await t.keys.mint({ iat: now - 600, exp: now - 10 }));
    assert.equal(res.status, 200);
  });

  it("rejects a token whose nbf is in the future beyond the clock tolerance", async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectInvalid(await t.keys.mint({ nbf: now + 600 }), "not_yet_valid");
  });

  it("rejects a token from another issuer", async () => {
    await expectInvalid(await t.keys.mint({ iss: "https://evil.test.invalid" }), "wrong_issuer");
  });

  it("rejects a token for another audience", async () => {
    await expectInvalid(await t.keys.mint({ aud: "billing-api" }), "wrong_audience");
  });

  it("rejects a token signed by a key whose kid is not in the key set", async () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    await expectInvalid(await t.keys.mint({}, { kid: "unknown-kid" }, privateKey), "unknown_kid");
  });

  it("rejects a token whose payload was changed after signing", async () => {
    const [header, , signature] = (await t.keys.mint({ scope: "phi:deidentify" })).split(".");
    const now = Math.floor(Date.now() / 1000);
    const tampered = b64({
      iss: TEST_ISSUER,
      aud: TEST_AUDIENCE,
      sub: "client-a",
      client_id: "client-a",
      scope: "inference:invoke phi:deidentify",
      iat: now,
      exp: now + 300,
    });
    await expectInvalid(`${header}.${tampered}.${signature}`, "bad_signature");
  });

  it("rejects a token without exp", async () => {
    await expectInvalid(await t.keys.mint({ exp: undefined }), "missing_claims");
  });

  it("rejects a string that is not a JWT", async () => {
    await expectInvalid("not-a-jwt", "malformed");
  });

  it("answers 403 insufficient_scope when the token lacks the route's scope", async () => {
    const res = await call(t, await t.keys.mint({ scope: "phi:deidentify" })).then((r) => r);
    assert.equal(res.status, 403);
    assert.match(String(res.headers["www-authenticate"]), /error="insufficient_scope"/);
    assert.match(String(res.headers["www-authenticate"]), /scope="inference:invoke"/);
    assert.equal(res.body.type, "urn:clinical-inference:problem:insufficient-scope");
  });

  it("answers 403 on /v1/deidentify for a token with only inference:invoke", async () => {
    const res = await call(t, await t.keys.mint({ scope: "inference:invoke" }), "/v1/deidentify");
    assert.equal(res.status, 403);
  });

  it("accepts scopes in an Okta/Entra-style scp array claim", async () => {
    const res = await call(t, await t.keys.mint({ scope: undefined, scp: ["inference:invoke"] }));
    assert.equal(res.status, 200);
  });

  it("rejects a token passed in the query string, even with a valid header token", async () => {
    const token = await t.keys.mint();
    const res = await request(t.app)
      .post(`/v1/sentiment?access_token=${token}`)
      .set("Authorization", `Bearer ${token}`)
      .send({ text: "fine" })
      .expect(400);
    assert.equal(res.body.type, "urn:clinical-inference:problem:token-in-query");
    assert.match(String(res.headers["www-authenticate"]), /error="invalid_request"/);
  });

  it("counts each failure by reason in gateway_auth_failures_total", async () => {
    const metrics = await t.metrics.registry.getSingleMetricAsString("gateway_auth_failures_total");
    assert.match(metrics, /reason="wrong_audience"\} [1-9]/);
    assert.match(metrics, /reason="algorithm_not_allowed"\} [1-9]/);
  });
});

describe("token verifier", () => {
  it("verifies a repeated token once and serves the rest from its cache", async () => {
    const keys = await createTestKeys();
    const t = await buildTestApp({ keys });
    let keyLookups = 0;
    const keySet = keySetFor(t.config.auth);
    const verifier = createTokenVerifier(t.config.auth, (header, token) => {
      keyLookups++;
      return keySet(header, token);
    });
    const token = await keys.mint();
    for (let i = 0; i < 5; i++) assert.equal((await verifier.verify(token)).sub, "client-a");
    assert.equal(keyLookups, 1);
    assert.equal(verifier.cacheSize, 1);
  });

  it("keeps at most TOKEN_CACHE_SIZE verified tokens", async () => {
    const keys = await createTestKeys();
    const t = await buildTestApp({ keys, env: { TOKEN_CACHE_SIZE: "2" } });
    const verifier = createTokenVerifier(t.config.auth);
    for (const sub of ["a", "b", "c", "d"]) await verifier.verify(await keys.mint({ sub }));
    assert.equal(verifier.cacheSize, 2);
  });

  it("stops accepting a cached token once it expires", async () => {
    const keys = await createTestKeys();
    const t = await buildTestApp({ keys, env: { JWT_CLOCK_TOLERANCE_S: "0" } });
    const verifier = createTokenVerifier(t.config.auth);
    const token = await keys.mint({ exp: Math.floor(Date.now() / 1000) + 1 });
    await verifier.verify(token);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await assert.rejects(verifier.verify(token), { reason: "expired" });
  });
});

describe("remote JWKS (JWT_JWKS_URL)", () => {
  let server: http.Server;
  let jwks: object = { keys: [] };
  let fetches = 0;
  let url: string;
  before(async () => {
    server = http.createServer((_req, res) => {
      fetches++;
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(jwks));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  after(() => server.close());

  it("refetches the key set when a token names an unknown kid, picking up a rotated key", async () => {
    const first = await createTestKeys();
    const second = await createTestKeys();
    jwks = { keys: [first.publicJwk] };
    const t = await buildTestApp({ keys: first, env: { JWT_JWKS_URL: url, JWT_JWKS_FILE: "" } });
    const verifier = createTokenVerifier(t.config.auth, keySetFor(t.config.auth, { cooldownMs: 0 }));
    await verifier.verify(await first.mint());
    const before = fetches;
    jwks = { keys: [first.publicJwk, second.publicJwk] };
    assert.equal((await verifier.verify(await second.mint({ sub: "rotated" }))).sub, "rotated");
    assert.equal(fetches, before + 1);
  });

  it("answers 503 auth-keys-unavailable when the JWKS endpoint cannot be reached", async () => {
    const keys = await createTestKeys();
    const t = await buildTestApp({
      keys,
      env: { JWT_JWKS_URL: "http://127.0.0.1:9/jwks.json", JWT_JWKS_FILE: "" },
    });
    const res = await call(t, await keys.mint());
    assert.equal(res.status, 503);
    assert.equal(res.body.type, "urn:clinical-inference:problem:auth-keys-unavailable");
  });
});
