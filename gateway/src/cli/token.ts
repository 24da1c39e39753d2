import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  ALL_SCOPES,
  DEFAULT_LOCAL_DEV_DIR,
  LOCAL_DEV_CLIENT_ID,
  LOCAL_DEV_ISSUER,
  localDevFiles,
} from "../config";
import { loadSigner } from "../oauth/signer";

/**
 * Mints an access token with the local development key that `npm start` created, for the local gateway:
 *   npm run token -- --scope "inference:invoke phi:deidentify" [--ttl 3600]
 * Prints only the token, so `TOKEN=$(npm run -s token -- --scope ...)` works.
 */
async function main(argv: string[]): Promise<string> {
  const { values } = parseArgs({
    args: argv,
    options: { scope: { type: "string" }, ttl: { type: "string" }, help: { type: "boolean" } },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    return 'usage: npm run token -- --scope "inference:invoke phi:deidentify" [--ttl seconds]';
  }
  if (values.scope === undefined || values.scope.trim() === "") {
    throw new Error(`--scope is required, e.g. --scope "${ALL_SCOPES.join(" ")}"`);
  }
  const scopes = [...new Set(values.scope.split(/\s+/).filter((s) => s !== ""))];
  const unknown = scopes.find((s) => !ALL_SCOPES.includes(s));
  if (unknown !== undefined)
    throw new Error(`unknown scope ${JSON.stringify(unknown)}; use ${ALL_SCOPES.join(", ")}`);
  const ttl = values.ttl === undefined ? 3600 : Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 86400) {
    throw new Error(`--ttl must be an integer number of seconds 1-86400, got ${JSON.stringify(values.ttl)}`);
  }
  const files = localDevFiles(process.env.LOCAL_DEV_DIR?.trim() || DEFAULT_LOCAL_DEV_DIR);
  if (!existsSync(files.signingKeyFile)) {
    throw new Error(`no local dev key at ${files.signingKeyFile}; run "npm start" once to create it`);
  }
  const signer = await loadSigner(files.signingKeyFile);
  return signer.sign({
    issuer: process.env.JWT_ISSUER?.trim() || LOCAL_DEV_ISSUER,
    audience: process.env.JWT_AUDIENCE?.trim() || "clinical-inference",
    clientId: LOCAL_DEV_CLIENT_ID,
    scope: scopes.join(" "),
    ttlSeconds: ttl,
  });
}

main(process.argv.slice(2)).then(
  (out) => process.stdout.write(`${out}\n`),
  (err: Error) => {
    process.stderr.write(`token: ${err.message.split("\n")[0]}\n`);
    process.exit(1);
  },
);
