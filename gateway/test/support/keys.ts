import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type JWK, jose } from "../../src/jose";

/** A real ES256 key pair with its public JWKS written to a temp file, and a signer for test tokens. */
export interface TestKeys {
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicJwk: JWK;
  kid: string;
  dir: string;
  jwksFile: string;
  signingKeyFile: string;
  /** Signs claims (defaults: valid issuer, audience, sub, client_id, scope, 5 minutes) with this key. */
  mint(claims?: Record<string, unknown>, header?: Record<string, unknown>, key?: KeyObject): Promise<string>;
}

export const TEST_ISSUER = "https://issuer.test.invalid";
export const TEST_AUDIENCE = "clinical-inference";

export async function createTestKeys(): Promise<TestKeys> {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = await jose.exportJWK(publicKey);
  const kid = await jose.calculateJwkThumbprint(jwk);
  const publicJwk = { ...jwk, kid, alg: "ES256", use: "sig" };
  const dir = mkdtempSync(path.join(tmpdir(), "gateway-test-"));
  const jwksFile = path.join(dir, "jwks.json");
  writeFileSync(jwksFile, JSON.stringify({ keys: [publicJwk] }));
  const signingKeyFile = path.join(dir, "signing-key.pem");
  writeFileSync(signingKeyFile, privateKey.export({ type: "pkcs8", format: "pem" }) as string);
  return {
    privateKey,
    publicKey,
    publicJwk,
    kid,
    dir,
    jwksFile,
    signingKeyFile,
    mint(claims = {}, header = {}, key = privateKey) {
      const now = Math.floor(Date.now() / 1000);
      const payload = {
        iss: TEST_ISSUER,
        aud: TEST_AUDIENCE,
        sub: "client-a",
        client_id: "client-a",
        scope: "inference:invoke phi:deidentify",
        iat: now,
        exp: now + 300,
        ...claims,
      };
      for (const [k, v] of Object.entries(payload))
        if (v === undefined) delete (payload as Record<string, unknown>)[k];
      return new jose.SignJWT(payload).setProtectedHeader({ alg: "ES256", kid, ...header }).sign(key);
    },
  };
}
