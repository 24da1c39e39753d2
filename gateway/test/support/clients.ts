import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { hashSecret } from "../../src/oauth/secret-hash";

/** Writes an OAUTH_CLIENTS_FILE with real scrypt hashes (low cost, to keep tests quick). */
export async function writeClientsFile(
  clients: Array<{ clientId: string; secret: string; scopes: string[] }>,
): Promise<string> {
  const registrations = await Promise.all(
    clients.map(async (c) => ({
      client_id: c.clientId,
      secret_hash: await hashSecret(c.secret, { N: 1024 }),
      scopes: c.scopes,
    })),
  );
  const file = path.join(mkdtempSync(path.join(tmpdir(), "gateway-clients-")), "clients.json");
  writeFileSync(file, JSON.stringify({ clients: registrations }));
  return file;
}
