import { hash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { AuthConfig } from "../config";
import type { Principal } from "../contracts";
import type { JSONWebKeySet, JWTPayload, JWTVerifyGetKey } from "../jose";
import { jose } from "../jose";
import { LruCache } from "./lru-cache";

export type AuthFailureReason =
  | "missing"
  | "not_bearer"
  | "token_in_query"
  | "malformed"
  | "algorithm_not_allowed"
  | "unknown_kid"
  | "bad_signature"
  | "expired"
  | "not_yet_valid"
  | "wrong_issuer"
  | "wrong_audience"
  | "missing_claims"
  | "insufficient_scope"
  | "keys_unavailable";

/** Descriptions are fixed per reason so nothing from the token is echoed back or logged. */
const DESCRIPTIONS: Record<AuthFailureReason, string> = {
  missing: "An access token is required",
  not_bearer: "The Authorization header must use the Bearer scheme",
  token_in_query: "Access tokens are only accepted in the Authorization header",
  malformed: "The access token is malformed",
  algorithm_not_allowed: "The access token is signed with an algorithm that is not allowed",
  unknown_kid: "The access token was signed by an unknown key",
  bad_signature: "The access token signature is invalid",
  expired: "The access token has expired",
  not_yet_valid: "The access token is not valid yet",
  wrong_issuer: "The access token was issued by an untrusted issuer",
  wrong_audience: "The access token is not intended for this service",
  missing_claims: "The access token lacks required claims",
  insufficient_scope: "The access token lacks the required scope",
  keys_unavailable: "Token verification keys could not be fetched",
};

export class AuthFailure extends Error {
  constructor(readonly reason: AuthFailureReason) {
    super(DESCRIPTIONS[reason]);
    this.name = "AuthFailure";
  }
}

export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
  readonly cacheSize: number;
}

const MAX_TOKEN_LENGTH = 8192;
const PRIVATE_JWK_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "k"];

/** Reads a JWKS file; refuses private or symmetric key material, which has no place in a verifier. */
export function readJwksFile(file: string): JSONWebKeySet {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`JWT_JWKS_FILE ${file} ${code ? `cannot be read: ${code}` : "is not valid JSON"}`);
  }
  const keys = (json as { keys?: unknown }).keys;
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new Error(`JWT_JWKS_FILE ${file} must be a JWKS object with a non-empty "keys" array`);
  }
  for (const key of keys) {
    if (typeof key !== "object" || key === null || PRIVATE_JWK_MEMBERS.some((m) => m in key)) {
      throw new Error(`JWT_JWKS_FILE ${file} must contain only public asymmetric keys`);
    }
  }
  return json as JSONWebKeySet;
}

export function keySetFor(config: AuthConfig, options: { cooldownMs?: number } = {}): JWTVerifyGetKey {
  if (config.jwks.kind === "file") return jose.createLocalJWKSet(readJwksFile(config.jwks.path));
  // An unknown kid triggers a refetch, at most once per cooldown, so IdP key rotation is picked up.
  return jose.createRemoteJWKSet(config.jwks.url, {
    cooldownDuration: options.cooldownMs ?? 30_000,
    cacheMaxAge: 10 * 60_000,
    timeoutDuration: 5_000,
  });
}

function reasonFor(err: unknown): AuthFailureReason {
  const e = err as { code?: string; claim?: string };
  switch (e.code) {
    case "ERR_JWT_EXPIRED":
      return "expired";
    case "ERR_JWT_CLAIM_VALIDATION_FAILED":
      if (e.claim === "nbf") return "not_yet_valid";
      if (e.claim === "iss") return "wrong_issuer";
      if (e.claim === "aud") return "wrong_audience";
      return "missing_claims";
    case "ERR_JOSE_ALG_NOT_ALLOWED":
    case "ERR_JOSE_NOT_SUPPORTED":
      return "algorithm_not_allowed";
    case "ERR_JWKS_NO_MATCHING_KEY":
    case "ERR_JWKS_MULTIPLE_MATCHING_KEYS":
      return "unknown_kid";
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
      return "bad_signature";
    case "ERR_JWS_INVALID":
    case "ERR_JWT_INVALID":
    case "ERR_JWK_INVALID":
      return "malformed";
    default:
      // Timeouts, unreachable or invalid JWKS endpoints: our problem, not the caller's.
      return "keys_unavailable";
  }
}

function principalFrom(payload: JWTPayload): Principal {
  const p = payload as JWTPayload & { scope?: unknown; scp?: unknown; client_id?: unknown; azp?: unknown };
  // RFC 9068 uses "scope"; Okta and Entra use "scp" (string or array).
  const rawScope = p.scope ?? p.scp;
  const scopes =
    typeof rawScope === "string"
      ? rawScope.split(" ").filter((s) => s !== "")
      : Array.isArray(rawScope)
        ? rawScope.filter((s): s is string => typeof s === "string")
        : [];
  const clientId = typeof p.client_id === "string" ? p.client_id : typeof p.azp === "string" ? p.azp : p.sub;
  if (typeof p.sub !== "string" || typeof clientId !== "string" || typeof p.exp !== "number") {
    throw new AuthFailure("missing_claims");
  }
  return { sub: p.sub, clientId, scopes, exp: p.exp };
}

/**
 * Verifies bearer tokens with jose, then remembers the result under the token's SHA-256 until the token
 * expires, so a repeated token costs a hash and a map lookup instead of a signature check.
 */
export function createTokenVerifier(
  config: AuthConfig,
  keySet: JWTVerifyGetKey = keySetFor(config),
): TokenVerifier {
  const cache = new LruCache<string, Principal>(config.tokenCacheSize);
  return {
    get cacheSize() {
      return cache.size;
    },
    async verify(token) {
      if (token.length > MAX_TOKEN_LENGTH) throw new AuthFailure("malformed");
      const key = hash("sha256", token, "base64url");
      const cached = cache.get(key);
      const nowS = Date.now() / 1000;
      if (cached !== undefined) {
        if (cached.exp > nowS) return cached;
        cache.delete(key);
      }
      let payload: JWTPayload;
      try {
        ({ payload } = await jose.jwtVerify(token, keySet, {
          issuer: config.issuer,
          audience: config.audience,
          algorithms: config.algorithms,
          clockTolerance: config.clockToleranceS,
          requiredClaims: ["exp", "sub"],
        }));
      } catch (err) {
        throw new AuthFailure(reasonFor(err));
      }
      const principal = principalFrom(payload);
      if (principal.exp > nowS) cache.set(key, principal);
      return principal;
    },
  };
}
