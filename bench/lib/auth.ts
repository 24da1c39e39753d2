/**
 * Access tokens for the benchmark. Locally the harness is its own identity provider: it generates a key pair,
 * hands the gateway the public JWKS (JWT_JWKS_FILE) and signs tokens with the private key, so the gateway
 * verifies real signatures on every request. Against a deployed stack it uses a given token or the OAuth2
 * client-credentials grant at <target>/oauth2/token.
 */
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { request } from "undici";
import { jose } from "../../gateway/src/jose";

export const BENCH_ISSUER = "urn:clinical-inference:benchmark";
export const BENCH_AUDIENCE = "clinical-inference";
export const INVOKE_SCOPE = "inference:invoke";

export interface LocalIssuer {
  jwksFile: string;
  issuer: string;
  audience: string;
  /** A signed access token; scope defaults to inference:invoke. */
  mint(ttlS?: number, scope?: string): Promise<string>;
}

export async function createLocalIssuer(dir: string): Promise<LocalIssuer> {
  const { privateKey, publicKey } = await jose.generateKeyPair("ES256");
  const kid = `bench-${randomUUID()}`;
  const jwk = { ...(await jose.exportJWK(publicKey)), kid, alg: "ES256", use: "sig" };
  const jwksFile = path.join(dir, "bench-jwks.json");
  writeFileSync(jwksFile, JSON.stringify({ keys: [jwk] }));
  return {
    jwksFile,
    issuer: BENCH_ISSUER,
    audience: BENCH_AUDIENCE,
    mint(ttlS = 3600, scope = INVOKE_SCOPE) {
      return new jose.SignJWT({ scope, client_id: "benchmark" })
        .setProtectedHeader({ alg: "ES256", kid, typ: "at+jwt" })
        .setIssuer(BENCH_ISSUER)
        .setAudience(BENCH_AUDIENCE)
        .setSubject("benchmark")
        .setIssuedAt()
        .setExpirationTime(`${ttlS}s`)
        .sign(privateKey);
    },
  };
}

export type TargetCredentials = { token: string } | { clientId: string; clientSecret: string };

/** Supplies a valid bearer token for a deployed target, refreshing client-credentials tokens before expiry. */
export class TargetTokenSource {
  private cached: { token: string; expiresAtMs: number } | undefined;

  constructor(
    private readonly target: string,
    private readonly credentials: TargetCredentials,
  ) {}

  /** A token valid for at least `minValidS` more seconds (a run must not outlive its token). */
  async token(minValidS = 90): Promise<string> {
    if ("token" in this.credentials) return this.credentials.token;
    if (this.cached && this.cached.expiresAtMs - Date.now() > minValidS * 1000) return this.cached.token;
    const url = new URL("/oauth2/token", this.target).toString();
    // RFC 6749 §2.3.1: form-encode each part, then base64 "id:secret".
    const formEncode = (v: string) => encodeURIComponent(v).replace(/%20/g, "+");
    const basic = Buffer.from(
      `${formEncode(this.credentials.clientId)}:${formEncode(this.credentials.clientSecret)}`,
    ).toString("base64");
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(url, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${basic}` },
        body: new URLSearchParams({ grant_type: "client_credentials", scope: INVOKE_SCOPE }).toString(),
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
    } catch (err) {
      throw new Error(`token request to ${url} failed: ${(err as Error).message}`);
    }
    const text = await res.body.text();
    if (res.statusCode !== 200) {
      throw new Error(`token request to ${url} answered ${res.statusCode}: ${text.slice(0, 200)}`);
    }
    const body = JSON.parse(text) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== "string") {
      throw new Error(`token response from ${url} has no access_token`);
    }
    const ttl = typeof body.expires_in === "number" ? body.expires_in : 300;
    if (ttl <= minValidS) {
      throw new Error(
        `tokens from ${url} live ${ttl} s, shorter than one benchmark run needs (${minValidS} s); raise OAUTH_TOKEN_TTL_S`,
      );
    }
    this.cached = { token: body.access_token, expiresAtMs: Date.now() + ttl * 1000 };
    return body.access_token;
  }
}
