import { GATEWAY_ENV as E } from "../deployment-contract";
import { ConfigError, type Reader } from "../env-reader";

/** Only asymmetric algorithms: a shared-secret algorithm would let anyone holding the public key mint tokens. */
export const ALLOWED_JWT_ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
] as const;

export function parseAlgorithms(r: Reader): string[] {
  const value = r.string(E.JWT_ALGORITHMS, "RS256,ES256");
  const algorithms = value
    .split(",")
    .map((a) => a.trim())
    .filter((a) => a !== "");
  const bad = algorithms.find((a) => !(ALLOWED_JWT_ALGORITHMS as readonly string[]).includes(a));
  if (bad !== undefined || algorithms.length === 0) {
    throw new ConfigError(
      `JWT_ALGORITHMS must be a comma-separated list of ${ALLOWED_JWT_ALGORITHMS.join(", ")}, got ${JSON.stringify(value)}`,
    );
  }
  return [...new Set(algorithms)];
}
