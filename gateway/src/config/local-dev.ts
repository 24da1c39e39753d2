import path from "node:path";
import type { LocalDevFiles } from "./types";

/** Where `npm start` keeps generated development secrets: git-ignored via `.local/`. */
export const DEFAULT_LOCAL_DEV_DIR = path.resolve(__dirname, "..", "..", "..", ".local", "dev-keys");
export const LOCAL_DEV_ISSUER = "urn:clinical-inference:local-dev";
export const LOCAL_DEV_CLIENT_ID = "local-dev";

export function localDevFiles(dir: string): LocalDevFiles {
  return {
    dir,
    signingKeyFile: path.join(dir, "signing-key.pem"),
    jwksFile: path.join(dir, "jwks.json"),
    clientsFile: path.join(dir, "clients.json"),
    clientSecretFile: path.join(dir, "client-secret.txt"),
    deidKeyFile: path.join(dir, "deid.key"),
  };
}
