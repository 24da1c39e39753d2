import type { GatewayConfig } from "../config";
import { locals } from "../http/request-context";
import { jsonResponse, problemResponse, type Route } from "../http/route";
import type { RateLimiter } from "../limits/rate-limiter";
import type { GatewayMetrics } from "../metrics";
import type { ClientRegistration } from "../oauth/clients";
import type { TokenSigner } from "../oauth/signer";
import { createTokenEndpoint } from "../oauth/token-endpoint";
import { HttpProblem } from "../problem";

export const TOKEN_PATH = "/oauth2/token";

export interface OAuthRouteDeps {
  config: GatewayConfig;
  metrics: GatewayMetrics;
  /** Checked before the deliberately slow secret hash. */
  limiter: RateLimiter;
  /** Absent: the route answers 404 token-endpoint-disabled. */
  oauth?: { signer: TokenSigner; clients: ReadonlyMap<string, ClientRegistration> };
}

const SCHEMAS = {
  TokenRequest: {
    type: "object",
    required: ["grant_type"],
    properties: {
      grant_type: { const: "client_credentials" },
      scope: { type: "string", description: "Space-separated; defaults to every registered scope" },
      client_id: { type: "string", description: "Form authentication (or use HTTP Basic)" },
      client_secret: { type: "string" },
    },
  },
  TokenResponse: {
    type: "object",
    required: ["access_token", "token_type", "expires_in", "scope"],
    properties: {
      access_token: { type: "string" },
      token_type: { const: "Bearer" },
      expires_in: { type: "integer" },
      scope: { type: "string" },
    },
  },
  OAuthError: {
    type: "object",
    required: ["error"],
    properties: {
      error: { enum: ["invalid_request", "invalid_client", "unsupported_grant_type", "invalid_scope"] },
      error_description: { type: "string" },
    },
  },
};

/** POST /oauth2/token, the client-credentials grant; documented (as disabled) even when it is off. */
export function oauthRoutes(deps: OAuthRouteDeps): Route[] {
  const { config, metrics, oauth } = deps;
  const { TokenRequest, ...responseSchemas } = SCHEMAS;
  const handler = oauth
    ? createTokenEndpoint({
        rateLimit: (key) => deps.limiter.take(key),
        signer: oauth.signer,
        clients: oauth.clients,
        issuer: config.auth.issuer,
        audience: config.auth.audience,
        ttlSeconds: config.oauth?.tokenTtlS ?? 300,
        onResult: (res, outcome) => {
          locals(res).tokenClientId = outcome.clientId;
          metrics.tokensIssued.inc({ outcome: outcome.error ?? "issued" });
          if (outcome.error === "rate_limited") metrics.rateLimited.inc();
          if (outcome.error === "invalid_client") {
            locals(res).authFailure = "invalid_client";
            metrics.authFailures.inc({ reason: "invalid_client" });
          }
        },
      })
    : () => {
        throw new HttpProblem(
          "token-endpoint-disabled",
          "This gateway does not issue tokens (OAUTH_SIGNING_KEY_FILE is not set); get one from your identity provider",
        );
      };
  return [
    {
      method: "POST",
      path: TOKEN_PATH,
      operationId: "issueToken",
      summary: oauth
        ? "OAuth2 client-credentials grant (RFC 6749 §4.4)"
        : "OAuth2 client-credentials grant: not enabled in this deployment (answers 404)",
      security: [{ clientBasic: [] }, {}],
      body: { mediaType: "application/x-www-form-urlencoded", name: "TokenRequest", schema: TokenRequest },
      responses: {
        "200": jsonResponse("An access token", "TokenResponse"),
        "400": jsonResponse("invalid_request, unsupported_grant_type or invalid_scope", "OAuthError"),
        "401": jsonResponse("invalid_client", "OAuthError"),
        "404": problemResponse("The token endpoint is not enabled"),
        "429": problemResponse("Too many token requests for this client"),
      },
      schemas: responseSchemas,
      handler,
    },
  ];
}
