import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import request from "supertest";
import { jose } from "../src/jose";
import { buildTestApp, type TestApp } from "./support/app";
import { createTestKeys } from "./support/keys";

/**
 * The gateway as a resource server in front of a real OAuth2 authorization server: oidc-provider issues
 * client-credentials JWT access tokens (RFC 9068) for a resource indicator, the gateway verifies them
 * through the provider's JWKS URL.
 */

type ProviderClass = new (
  issuer: string,
  configuration: Record<string, unknown>,
) => { callback(): http.RequestListener };
const { default: Provider } = require("oidc-provider") as { default: ProviderClass };

const API = "https://api.clinical-inference.test";
const OTHER_API = "https://billing.test";
const CLIENT = { id: "ehr-integration", secret: "oidc-provider-test-secret-value-1234" };

describe("tokens from a real OAuth2 server (oidc-provider)", () => {
  let idp: http.Server;
  let issuer: string;
  let gateway: TestApp;

  before(async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const signingJwk = { ...(await jose.exportJWK(privateKey)), kid: "idp-rs256", alg: "RS256", use: "sig" };
    idp = http.createServer();
    await new Promise<void>((resolve) => idp.listen(0, "127.0.0.1", resolve));
    issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: CLIENT.id,
          client_secret: CLIENT.secret,
          grant_types: ["client_credentials"],
          redirect_uris: [],
          response_types: [],
          token_endpoint_auth_method: "client_secret_basic",
        },
      ],
      jwks: { keys: [signingJwk] },
      ttl: { ClientCredentials: 300 },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => API,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx: unknown, resource: string) => {
            if (resource !== API && resource !== OTHER_API) throw new Error("unknown resource");
            return {
              scope: "inference:invoke phi:deidentify",
              audience: resource,
              accessTokenTTL: 300,
              accessTokenFormat: "jwt",
              jwt: { sign: { alg: "RS256" } },
            };
          },
        },
      },
    });
    idp.on("request", provider.callback());
    gateway = await buildTestApp({
      keys: await createTestKeys(),
      env: { JWT_JWKS_FILE: "", JWT_JWKS_URL: `${issuer}/jwks`, JWT_ISSUER: issuer, JWT_AUDIENCE: API },
    });
  });

  after(() => {
    idp.closeAllConnections();
    idp.close();
  });

  async function clientCredentials(form: Record<string, string>): Promise<string> {
    const res = await fetch(`${issuer}/token`, {
      method: "POST",
      headers: {
        Authorization: `Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString("base64")}`,
        "Content-Type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ grant_type: "client_credentials", ...form }).toString(),
    });
    const body = (await res.json()) as { access_token?: string };
    assert.equal(res.status, 200, JSON.stringify(body));
    return body.access_token as string;
  }

  it("accepts a JWT access token the provider issued for the gateway's audience", {
    timeout: 90_000,
  }, async () => {
    const token = await clientCredentials({ scope: "inference:invoke", resource: API });
    assert.equal(jose.decodeProtectedHeader(token).kid, "idp-rs256");
    const res = await request(gateway.app)
      .post("/v1/sentiment")
      .set("Authorization", `Bearer ${token}`)
      .send({ text: "John Smith feels good" })
      .expect(200);
    assert.equal(res.body.label, "POSITIVE");
  });

  it("rejects a token the same provider issued for another audience", { timeout: 90_000 }, async () => {
    const token = await clientCredentials({ scope: "inference:invoke", resource: OTHER_API });
    const res = await request(gateway.app)
      .post("/v1/sentiment")
      .set("Authorization", `Bearer ${token}`)
      .send({ text: "fine" })
      .expect(401);
    assert.equal(res.body.reason, "wrong_audience");
  });

  it("answers 403 when the provider granted a scope that does not cover the route", {
    timeout: 90_000,
  }, async () => {
    const token = await clientCredentials({ scope: "inference:invoke", resource: API });
    await request(gateway.app)
      .post("/v1/deidentify")
      .set("Authorization", `Bearer ${token}`)
      .send({ text: "fine" })
      .expect(403);
  });
});
