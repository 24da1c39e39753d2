import { createPrivateKey, createPublicKey, type KeyObject, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { type JWK, jose } from "../jose";

/** Signs the gateway's own access tokens with the stack-managed PKCS#8 key (ES256 on P-256, or RS256). */
export interface TokenSigner {
  readonly alg: "ES256" | "RS256";
  readonly kid: string;
  readonly publicJwk: JWK;
  sign(claims: AccessTokenClaims): Promise<string>;
}

export interface AccessTokenClaims {
  issuer: string;
  audience: string;
  clientId: string;
  scope: string;
  ttlSeconds: number;
}

function algorithmFor(key: KeyObject, source: string): "ES256" | "RS256" {
  if (key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1") return "ES256";
  if (key.asymmetricKeyType === "rsa" && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048)
    return "RS256";
  throw new Error(`OAUTH_SIGNING_KEY_FILE ${source} must be a P-256 EC or RSA (2048+ bit) private key`);
}

export async function createSignerFromPem(pem: string, source: string): Promise<TokenSigner> {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: "pem" });
  } catch {
    throw new Error(`OAUTH_SIGNING_KEY_FILE ${source} is not a PEM private key (expected PKCS#8)`);
  }
  const alg = algorithmFor(privateKey, source);
  const publicJwk = await jose.exportJWK(createPublicKey(privateKey));
  const kid = await jose.calculateJwkThumbprint(publicJwk);
  const jwk: JWK = { ...publicJwk, kid, alg, use: "sig" };
  return {
    alg,
    kid,
    publicJwk: jwk,
    sign(claims) {
      return new jose.SignJWT({ client_id: claims.clientId, scope: claims.scope })
        .setProtectedHeader({ alg, kid, typ: "at+jwt" })
        .setIssuer(claims.issuer)
        .setAudience(claims.audience)
        .setSubject(claims.clientId)
        .setJti(randomUUID())
        .setIssuedAt()
        .setExpirationTime(`${claims.ttlSeconds}s`)
        .sign(privateKey);
    },
  };
}

export async function loadSigner(file: string): Promise<TokenSigner> {
  let pem: string;
  try {
    pem = readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`OAUTH_SIGNING_KEY_FILE ${file} cannot be read: ${(err as NodeJS.ErrnoException).code}`);
  }
  return createSignerFromPem(pem, file);
}
