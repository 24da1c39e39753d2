import { randomBytes, scrypt, scryptSync, timingSafeEqual } from "node:crypto";

/**
 * Client secrets are stored as `scrypt$<N>$<r>$<p>$<salt>$<hash>`: decimal cost parameters, then salt and a
 * 32-byte derived key, both base64url without padding. hashSecret is the only writer of the format: the
 * Pulumi stack calls it too (through the deployment contract), so what the stack stores the gateway can read.
 */

export const SCRYPT_DEFAULTS = { N: 16384, r: 8, p: 1, saltBytes: 16, keyBytes: 32 } as const;

export interface ScryptHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

const FORMAT = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

/** Throws a message that never contains the hash itself. */
export function parseSecretHash(encoded: string): ScryptHash {
  const match = FORMAT.exec(encoded);
  if (!match) throw new Error("secret_hash must look like scrypt$<N>$<r>$<p>$<salt b64url>$<hash b64url>");
  const [, n, r, p, salt, hash] = match as unknown as [string, string, string, string, string, string];
  const parsed = {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    salt: Buffer.from(salt, "base64url"),
    hash: Buffer.from(hash, "base64url"),
  };
  if (parsed.N < 1024 || parsed.N > 1048576 || (parsed.N & (parsed.N - 1)) !== 0) {
    throw new Error("secret_hash N must be a power of two from 1024 to 1048576");
  }
  if (parsed.r < 1 || parsed.r > 32 || parsed.p < 1 || parsed.p > 16) {
    throw new Error("secret_hash r must be 1-32 and p 1-16");
  }
  if (parsed.salt.length < 16) throw new Error("secret_hash salt must be at least 16 bytes");
  if (parsed.hash.length !== SCRYPT_DEFAULTS.keyBytes) throw new Error("secret_hash hash must be 32 bytes");
  return parsed;
}

const scryptOptions = (params: Omit<ScryptHash, "hash" | "salt">) => ({
  N: params.N,
  r: params.r,
  p: params.p,
  maxmem: 256 * params.N * params.r * params.p + 1024 * 1024,
});

function derive(secret: string, params: Omit<ScryptHash, "hash">): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, params.salt, SCRYPT_DEFAULTS.keyBytes, scryptOptions(params), (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export async function hashSecret(
  secret: string,
  params: Partial<Omit<ScryptHash, "hash">> = {},
): Promise<string> {
  const full = {
    N: params.N ?? SCRYPT_DEFAULTS.N,
    r: params.r ?? SCRYPT_DEFAULTS.r,
    p: params.p ?? SCRYPT_DEFAULTS.p,
    salt: params.salt ?? randomBytes(SCRYPT_DEFAULTS.saltBytes),
  };
  // Derived on the calling thread: hashing happens when a registration is written (the stack, the CLI, local
  // development, the token endpoint's decoy at start), never per request, and the stack hashes inside an
  // Output that must resolve without waiting on the libuv pool. verifySecret, the per-request path, stays off it.
  const hash = scryptSync(secret, full.salt, SCRYPT_DEFAULTS.keyBytes, scryptOptions(full));
  return `scrypt$${full.N}$${full.r}$${full.p}$${full.salt.toString("base64url")}$${hash.toString("base64url")}`;
}

/** Async (scrypt runs on the libuv pool) and constant-time in the comparison. */
export async function verifySecret(secret: string, stored: ScryptHash): Promise<boolean> {
  const candidate = await derive(secret, stored);
  return timingSafeEqual(candidate, stored.hash);
}
