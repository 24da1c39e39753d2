import { readFileSync } from "node:fs";
import { ALL_SCOPES } from "../deployment-contract";
import { parseSecretHash, type ScryptHash } from "./secret-hash";

export interface ClientRegistration {
  clientId: string;
  secretHash: ScryptHash;
  scopes: readonly string[];
}

const CLIENT_ID = /^[A-Za-z0-9._~-]{1,128}$/;

/** Parses `{"clients":[{"client_id","secret_hash","scopes":[...]}]}`; errors name the file and the entry. */
export function parseClients(json: unknown, source: string): Map<string, ClientRegistration> {
  const fail = (why: string) => new Error(`OAUTH_CLIENTS_FILE ${source}: ${why}`);
  if (typeof json !== "object" || json === null || !Array.isArray((json as { clients?: unknown }).clients)) {
    throw fail('must be a JSON object {"clients": [...]}');
  }
  const clients = new Map<string, ClientRegistration>();
  for (const [i, entry] of ((json as { clients: unknown[] }).clients ?? []).entries()) {
    const e = entry as Record<string, unknown>;
    if (typeof e !== "object" || e === null) throw fail(`clients[${i}] must be an object`);
    if (typeof e.client_id !== "string" || !CLIENT_ID.test(e.client_id)) {
      throw fail(`clients[${i}].client_id must be 1-128 characters of A-Z a-z 0-9 . _ ~ -`);
    }
    if (clients.has(e.client_id)) throw fail(`clients[${i}].client_id ${e.client_id} is registered twice`);
    if (typeof e.secret_hash !== "string") throw fail(`clients[${i}].secret_hash must be a string`);
    let secretHash: ScryptHash;
    try {
      secretHash = parseSecretHash(e.secret_hash);
    } catch (err) {
      throw fail(`clients[${i}]: ${(err as Error).message}`);
    }
    if (!Array.isArray(e.scopes) || e.scopes.length === 0) {
      throw fail(`clients[${i}].scopes must be a non-empty array of ${ALL_SCOPES.join(", ")}`);
    }
    for (const scope of e.scopes) {
      if (typeof scope !== "string" || !ALL_SCOPES.includes(scope)) {
        throw fail(`clients[${i}].scopes may only contain ${ALL_SCOPES.join(", ")}`);
      }
    }
    clients.set(e.client_id, {
      clientId: e.client_id,
      secretHash,
      scopes: [...new Set(e.scopes as string[])],
    });
  }
  return clients;
}

export function loadClients(file: string): Map<string, ClientRegistration> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`OAUTH_CLIENTS_FILE ${file} cannot be read: ${(err as NodeJS.ErrnoException).code}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`OAUTH_CLIENTS_FILE ${file} is not valid JSON`);
  }
  return parseClients(json, file);
}
