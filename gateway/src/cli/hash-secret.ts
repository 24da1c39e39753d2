import { hashSecret, MIN_CLIENT_SECRET_CHARS } from "../deployment-contract";

/**
 * Reads a client secret from stdin and prints its hash for OAUTH_CLIENTS_FILE:
 *   printf %s "$SECRET" | npm run -s hash-secret
 * Output: scrypt$16384$8$1$<16-byte salt, base64url>$<32-byte key, base64url>. One trailing newline on the
 * input is ignored so `echo "$SECRET" |` gives the same hash.
 */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function main(): Promise<string> {
  if (process.argv.length > 2) throw new Error("takes no arguments; pipe the secret on stdin");
  if (process.stdin.isTTY) process.stderr.write("secret (then Enter, Ctrl-D): ");
  const secret = (await readStdin()).replace(/\r?\n$/, "");
  if (secret.length < MIN_CLIENT_SECRET_CHARS) {
    throw new Error(`the secret must be at least ${MIN_CLIENT_SECRET_CHARS} characters`);
  }
  return hashSecret(secret);
}

main().then(
  (hash) => process.stdout.write(`${hash}\n`),
  (err: Error) => {
    process.stderr.write(`hash-secret: ${err.message}\n`);
    process.exit(1);
  },
);
