/**
 * Signing-key rotation as the stack performs it (components/jwt-keys.ts): the mounted JWKS holds a window of
 * key generations (previous, current, next) while the gateway signs with the current one. A pod of either
 * rollout must accept the other rollout's tokens, so a rotation answers no request with 401.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { before, describe, it } from "node:test";
import request from "supertest";
import { readJwksFile } from "../src/auth/verifier";
import { buildTestApp, type TestApp } from "./support/app";
import { writeClientsFile } from "./support/clients";
import { createTestKeys, type TestKeys } from "./support/keys";

const SECRET = "correct-horse-battery-staple";

describe("a JWKS with several key generations", () => {
  let t: TestApp;
  let previous: TestKeys;
  let next: TestKeys;
  before(async () => {
    const current = await createTestKeys();
    [previous, next] = [await createTestKeys(), await createTestKeys()];
    const jwks = { keys: [previous.publicJwk, current.publicJwk, next.publicJwk] };
    writeFileSync(current.jwksFile, JSON.stringify(jwks));
    const clients = await writeClientsFile([
      { clientId: "ehr-sync", secret: SECRET, scopes: ["inference:invoke", "phi:deidentify"] },
    ]);
    // As main.ts does: the JWKS file both verifies tokens and is what /.well-known/jwks.json publishes.
    t = await buildTestApp({
      keys: current,
      oauthClientsFile: clients,
      publishedKeys: readJwksFile(current.jwksFile),
    });
  });

  const deidentify = (token: string) =>
    request(t.app)
      .post("/v1/deidentify")
      .set("Authorization", `Bearer ${token}`)
      .send({ text: "Seen on 03/14/2024." });

  it("accepts a token signed by the next generation, as pods of a newer rollout issue them", async () => {
    await deidentify(await next.mint()).expect(200);
  });

  it("accepts a token signed by the previous generation, issued before the rotation", async () => {
    await deidentify(await previous.mint()).expect(200);
  });

  it("signs its own tokens with the current key, whose kid the JWKS publishes", async () => {
    const res = await request(t.app)
      .post("/oauth2/token")
      .type("form")
      .send({ grant_type: "client_credentials", client_id: "ehr-sync", client_secret: SECRET })
      .expect(200);
    const header = JSON.parse(Buffer.from(res.body.access_token.split(".")[0], "base64url").toString());
    assert.equal(header.kid, t.keys.kid);
    await deidentify(res.body.access_token).expect(200);
  });

  it("publishes every generation at /.well-known/jwks.json", async () => {
    const res = await request(t.app).get("/.well-known/jwks.json").expect(200);
    const kids = res.body.keys.map((k: { kid: string }) => k.kid).sort();
    assert.deepEqual(kids, [previous.kid, t.keys.kid, next.kid].sort());
  });
});
