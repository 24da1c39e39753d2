import {
  ALL_SCOPES,
  isScope,
  MIN_CLIENT_SECRET_CHARS,
} from "@clinical-inference/gateway/deployment-contract";
import * as pulumi from "@pulumi/pulumi";
import type { ConfigReader } from "./reader";
import { isHttpsUrl, OAUTH_CLIENT_ID } from "./rules";
import type { OAuthClientConfig, WorkloadConfig } from "./types";

/**
 * Who issues tokens: an external IdP (jwtIssuer and jwtJwksUrl, both https, both or neither) or the stack,
 * with its OAuth clients and their secrets, which must exist before anything is planned.
 */
export function readAuth(c: ConfigReader): WorkloadConfig["auth"] {
  const jwtIssuer = c.string("jwtIssuer", undefined);
  const jwtJwksUrl = c.string("jwtJwksUrl", undefined);
  if ((jwtIssuer === undefined) !== (jwtJwksUrl === undefined)) {
    const missing = jwtIssuer === undefined ? "jwtIssuer" : "jwtJwksUrl";
    c.problem(
      missing,
      "must be set together with " +
        (missing === "jwtIssuer" ? "jwtJwksUrl" : "jwtIssuer") +
        " (external IdP: both or neither)",
      missing === "jwtIssuer" ? "https://idp.example.org/" : "https://idp.example.org/.well-known/jwks.json",
    );
  }
  if (jwtIssuer !== undefined && !isHttpsUrl(jwtIssuer)) {
    c.problem("jwtIssuer", `must be an https:// URL, got "${jwtIssuer}"`, "https://idp.example.org/");
  }
  if (jwtJwksUrl !== undefined && !isHttpsUrl(jwtJwksUrl)) {
    c.problem(
      "jwtJwksUrl",
      `must be an https:// URL, got "${jwtJwksUrl}"`,
      "https://idp.example.org/.well-known/jwks.json",
    );
  }

  const clientsExample = '[{"clientId":"ehr-integration","scopes":["inference:invoke"]}]';
  const oauthClients: OAuthClientConfig[] = [];
  const clientsRaw = c.json("oauthClients", clientsExample);
  if (clientsRaw !== undefined) {
    if (!Array.isArray(clientsRaw)) {
      c.problem("oauthClients", "must be a list of {clientId, scopes}", clientsExample);
    } else {
      for (const [i, entry] of clientsRaw.entries()) {
        const clientId = (entry as { clientId?: unknown })?.clientId;
        const scopes = (entry as { scopes?: unknown })?.scopes;
        if (typeof clientId !== "string" || !OAUTH_CLIENT_ID.test(clientId)) {
          c.problem(
            "oauthClients",
            `entry ${i} needs a clientId of 3-64 letters, digits, . _ -`,
            clientsExample,
          );
          continue;
        }
        if (oauthClients.some((existing) => existing.clientId === clientId)) {
          c.problem("oauthClients", `lists clientId "${clientId}" twice`, clientsExample);
          continue;
        }
        if (!Array.isArray(scopes) || scopes.length === 0 || !scopes.every(isScope)) {
          c.problem(
            "oauthClients",
            `client "${clientId}" needs scopes from ${ALL_SCOPES.join(", ")}`,
            clientsExample,
          );
          continue;
        }
        oauthClients.push({ clientId, scopes: [...new Set(scopes)] });
      }
    }
  }
  let oauthClientSecrets: pulumi.Output<Record<string, string>> | undefined;
  if (oauthClients.length > 0) {
    const secretExample = '{"ehr-integration":"<secret>"}';
    // Checked synchronously so a missing secret fails before anything is planned; the value leaves this
    // module only as the secret Output from requireSecretObject.
    const plain = c.json("oauthClientSecrets", secretExample) as Record<string, unknown> | undefined;
    const missing = oauthClients
      .map((client) => client.clientId)
      .filter(
        (id) => typeof plain?.[id] !== "string" || (plain[id] as string).length < MIN_CLIENT_SECRET_CHARS,
      );
    if (plain === undefined || missing.length > 0) {
      c.problem(
        "oauthClientSecrets",
        `needs a secret of at least ${MIN_CLIENT_SECRET_CHARS} characters for each OAuth client (missing or short: ${missing.join(", ")})`,
        secretExample,
        true,
      );
    } else {
      oauthClientSecrets = new pulumi.Config(c.namespace).requireSecretObject<Record<string, string>>(
        "oauthClientSecrets",
      );
    }
  }

  const signingKeyGeneration = c.integer("jwtSigningKeyGeneration", 1, 1, 1_000_000);
  return { jwtIssuer, jwtJwksUrl, oauthClients, signingKeyGeneration, oauthClientSecrets };
}
