import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import request from "supertest";
import { jose } from "../src/jose";
import { hashSecret, parseSecretHash, verifySecret } from "../src/oauth/secret-hash";
import { buildTestApp, type TestApp } from "./support/app";
import { writeClientsFile } from "./support/clients";
import { TEST_AUDIENCE, TEST_ISSUER } from "./support/keys";

const SECRET = "correct-horse-battery-staple";

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;
}

describe("POST /oauth2/token (client credentials)", () => {
  let t: TestApp;
  before(async () => {
    const clients = await writeClientsFile([
      { clientId: "ehr-sync", secret: SECRET, scopes: ["inference:invoke"] },
      { clientId: "privacy-office", secret: `${SECRET}-2`, scopes: ["inference:invoke", "phi:deidentify"] },
    ]);
    t = await buildTestApp({ oauthClientsFile: clients, env: { OAUTH_TOKEN_TTL_S: "120" } });
  });

  function token() {
    return request(t.app).post("/oauth2/token").type("form");
  }

  it("issues a short-lived signed JWT with the registered claims for HTTP Basic client authentication", async () => {
    const res = await token()
      .set("Authorization", basic("ehr-sync", SECRET))
      .send({ grant_type: "client_credentials" })
      .expect(200);
    assert.equal(res.headers["cache-control"], "no-store");
    assert.equal(res.body.token_type, "Bearer");
    assert.equal(res.body.expires_in, 120);
    assert.equal(res.body.scope, "inference:invoke");
    const { payload, protectedHeader } = await jose.jwtVerify(
      res.body.access_token,
      jose.createLocalJWKSet({ keys: [t.keys.publicJwk] }),
      { issuer: TEST_ISSUER, audience: TEST_AUDIENCE },
    );
    assert.equal(protectedHeader.kid, t.keys.kid);
    assert.equal(protectedHeader.alg, "ES256");
    assert.equal(payload.sub, "ehr-sync");
    assert.equal(payload.client_id, "ehr-sync");
    assert.equal(payload.scope, "inference:invoke");
    assert.equal(typeof payload.jti, "string");
    assert.equal((payload.exp as number) - (payload.iat as number), 120);
  });

  it("accepts client_id and client_secret as form fields", async () => {
    const res = await token()
      .send({ grant_type: "client_credentials", client_id: "ehr-sync", client_secret: SECRET })
      .expect(200);
    assert.equal(res.body.scope, "inference:invoke");
  });

  it("issues a token that the gateway's own /v1 routes accept", async () => {
    const issued = await token()
      .set("Authorization", basic("ehr-sync", SECRET))
      .send({ grant_type: "client_credentials" });
    await request(t.app)
      .post("/v1/sentiment")
      .set("Authorization", `Bearer ${issued.body.access_token}`)
      .send({ text: "good" })
      .expect(200);
  });

  it("narrows the token to the requested subset of registered scopes", async () => {
    const res = await token()
      .set("Authorization", basic("privacy-office", `${SECRET}-2`))
      .send({ grant_type: "client_credentials", scope: "phi:deidentify" })
      .expect(200);
    assert.equal(res.body.scope, "phi:deidentify");
  });

  it("refuses a scope the client is not registered for with invalid_scope", async () => {
    const res = await token()
      .set("Authorization", basic("ehr-sync", SECRET))
      .send({ grant_type: "client_credentials", scope: "inference:invoke phi:deidentify" })
      .expect(400);
    assert.deepEqual(Object.keys(res.body).sort(), ["error", "error_description"]);
    assert.equal(res.body.error, "invalid_scope");
  });

  it("refuses a wrong secret with 401 invalid_client and a Basic challenge", async () => {
    const res = await token()
      .set("Authorization", basic("ehr-sync", "wrong"))
      .send({ grant_type: "client_credentials" })
      .expect(401);
    assert.equal(res.body.error, "invalid_client");
    assert.match(String(res.headers["www-authenticate"]), /^Basic realm=/);
  });

  it("refuses an unknown client with the same invalid_client answer", async () => {
    const res = await token()
      .send({ grant_type: "client_credentials", client_id: "nobody", client_secret: SECRET })
      .expect(401);
    assert.equal(res.body.error, "invalid_client");
  });

  it("refuses a request without client authentication with invalid_client", async () => {
    const res = await token().send({ grant_type: "client_credentials" }).expect(401);
    assert.equal(res.body.error, "invalid_client");
  });

  it("refuses two client authentication methods at once with invalid_request", async () => {
    const res = await token()
      .set("Authorization", basic("ehr-sync", SECRET))
      .send({ grant_type: "client_credentials", client_secret: SECRET })
      .expect(400);
    assert.equal(res.body.error, "invalid_request");
  });

  it("refuses other grant types with unsupported_grant_type", async () => {
    const res = await token()
      .set("Authorization", basic("ehr-sync", SECRET))
      .send({ grant_type: "password", username: "u", password: "p" })
      .expect(400);
    assert.equal(res.body.error, "unsupported_grant_type");
  });

  it("refuses a missing grant_type with invalid_request", async () => {
    const res = await token().set("Authorization", basic("ehr-sync", SECRET)).send({}).expect(400);
    assert.equal(res.body.error, "invalid_request");
  });

  it("refuses a JSON body with invalid_request (RFC 6749 requires a form)", async () => {
    const res = await request(t.app)
      .post("/oauth2/token")
      .set("Authorization", basic("ehr-sync", SECRET))
      .send({ grant_type: "client_credentials" })
      .expect(400);
    assert.equal(res.body.error, "invalid_request");
  });

  it("answers 404 problem+json when the gateway does not issue tokens", async () => {
    const plain = await buildTestApp();
    const res = await request(plain.app)
      .post("/oauth2/token")
      .type("form")
      .send({ grant_type: "x" })
      .expect(404);
    assert.equal(res.body.type, "urn:clinical-inference:problem:token-endpoint-disabled");
  });

  it("counts issued tokens and client authentication failures", async () => {
    const text = await t.metrics.registry.metrics();
    assert.match(text, /gateway_oauth_token_requests_total\{outcome="issued"\} [1-9]/);
    assert.match(text, /gateway_auth_failures_total\{reason="invalid_client"\} [1-9]/);
  });
});

describe("POST /oauth2/token rate limiting", () => {
  it("limits each registered client, and all unregistered ids together, before hashing the secret", async () => {
    const clients = await writeClientsFile([
      { clientId: "one", secret: SECRET, scopes: ["inference:invoke"] },
      { clientId: "two", secret: SECRET, scopes: ["inference:invoke"] },
    ]);
    const t = await buildTestApp({
      oauthClientsFile: clients,
      env: { RATE_LIMIT_RPS: "0.5", RATE_LIMIT_BURST: "2" },
    });
    const ask = (id: string) =>
      request(t.app)
        .post("/oauth2/token")
        .type("form")
        .send({ grant_type: "client_credentials", client_id: id, client_secret: SECRET });
    const statuses = async (id: string, n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push((await ask(id)).status);
      return out;
    };
    assert.deepEqual(await statuses("one", 3), [200, 200, 429]);
    assert.deepEqual(await statuses("two", 1), [200]);
    assert.deepEqual(await statuses("guess-1", 2), [401, 401]);
    const limited = await ask("guess-2");
    assert.equal(limited.status, 429);
    assert.equal(limited.body.type, "urn:clinical-inference:problem:rate-limited");
    assert.equal(limited.headers["retry-after"], "2");
  });
});

describe("client secret hashes", () => {
  it("round-trips the documented scrypt$N$r$p$salt$hash format", async () => {
    const encoded = await hashSecret("a-long-enough-secret", { N: 1024 });
    assert.match(encoded, /^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    const parsed = parseSecretHash(encoded);
    assert.equal(await verifySecret("a-long-enough-secret", parsed), true);
    assert.equal(await verifySecret("a-long-enough-secreT", parsed), false);
  });

  it("matches an independently computed scrypt key for known inputs", async () => {
    const { scryptSync } = await import("node:crypto");
    const salt = Buffer.alloc(16, 7);
    const expected = scryptSync("s3cret", salt, 32, { N: 16384, r: 8, p: 1 }).toString("base64url");
    assert.equal(
      await hashSecret("s3cret", { salt }),
      `scrypt$16384$8$1$${salt.toString("base64url")}$${expected}`,
    );
  });

  it("rejects malformed hashes with a message that names the format", () => {
    assert.throws(() => parseSecretHash("bcrypt$2b$..."), /scrypt\$<N>\$<r>\$<p>/);
    assert.throws(() => parseSecretHash("scrypt$1000$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAA"), /power of two/);
  });
});
