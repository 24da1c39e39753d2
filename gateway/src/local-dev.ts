import { createPublicKey, generateKeyPairSync, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { ALL_SCOPES, LOCAL_DEV_CLIENT_ID, type LocalDevFiles } from "./config";
import { jose } from "./jose";
import { hashSecret } from "./oauth/secret-hash";

/**
 * Development secrets for `npm start` without any configuration: an ES256 signing key, its JWKS, one OAuth
 * client holding every scope, and a de-identification key. Created once, kept under a git-ignored folder
 * with owner-only permissions, and reused on later starts so earlier tokens stay valid.
 */

function writeSecret(file: string, content: string): void {
  writeFileSync(file, content, { mode: 0o600 });
  chmodSync(file, 0o600);
}

export async function ensureLocalDevFiles(files: LocalDevFiles): Promise<{ created: string[] }> {
  const created: string[] = [];
  mkdirSync(files.dir, { recursive: true, mode: 0o700 });

  if (!existsSync(files.signingKeyFile)) {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    writeSecret(files.signingKeyFile, privateKey.export({ type: "pkcs8", format: "pem" }) as string);
    created.push(files.signingKeyFile);
  }
  // The JWKS is always re-derived so it can never drift from the key.
  const publicJwk = await jose.exportJWK(createPublicKey(readFileSync(files.signingKeyFile, "utf8")));
  const kid = await jose.calculateJwkThumbprint(publicJwk);
  writeFileSync(
    files.jwksFile,
    `${JSON.stringify({ keys: [{ ...publicJwk, kid, alg: "ES256", use: "sig" }] }, null, 2)}\n`,
  );

  if (!existsSync(files.clientSecretFile) || !existsSync(files.clientsFile)) {
    const secret = randomBytes(24).toString("base64url");
    writeSecret(files.clientSecretFile, `${secret}\n`);
    const registration = {
      clients: [
        { client_id: LOCAL_DEV_CLIENT_ID, secret_hash: await hashSecret(secret), scopes: [...ALL_SCOPES] },
      ],
    };
    writeSecret(files.clientsFile, `${JSON.stringify(registration, null, 2)}\n`);
    created.push(files.clientsFile);
  }

  if (!existsSync(files.deidKeyFile)) {
    writeSecret(files.deidKeyFile, `${randomBytes(32).toString("base64url")}\n`);
    created.push(files.deidKeyFile);
  }
  return { created };
}

export function readLocalDevClientSecret(files: LocalDevFiles): string {
  return readFileSync(files.clientSecretFile, "utf8").trim();
}

/** The key is the file's bytes without trailing whitespace, so `openssl rand -base64 32 > file` works. */
export function readDeidKey(file: string): Uint8Array {
  let content: Buffer;
  try {
    content = readFileSync(file);
  } catch (err) {
    throw new Error(`DEID_KEY_FILE ${file} cannot be read: ${(err as NodeJS.ErrnoException).code}`);
  }
  let end = content.length;
  while (end > 0 && [0x0a, 0x0d, 0x20, 0x09].includes(content[end - 1] as number)) end--;
  if (end < 32) {
    throw new Error(
      `DEID_KEY_FILE ${file} must hold at least 32 bytes (e.g. openssl rand -base64 32 > file)`,
    );
  }
  return new Uint8Array(content.subarray(0, end));
}
