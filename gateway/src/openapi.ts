import { PHI_TYPES } from "./contracts";
import { PROBLEM_TYPE_PREFIX, PROBLEMS } from "./problem";

export interface OpenApiLimits {
  maxTextChars: number;
  maxBatchTexts: number;
  tokenEndpoint: boolean;
}

const problemResponse = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
});

const jsonBody = (ref: string) => ({
  required: true,
  content: { "application/json": { schema: { $ref: `#/components/schemas/${ref}` } } },
});

const jsonResponse = (description: string, ref: string) => ({
  description,
  content: { "application/json": { schema: { $ref: `#/components/schemas/${ref}` } } },
});

const protectedErrors = {
  "400": problemResponse("Invalid JSON, a body that is not an object, or a token in the query string"),
  "401": problemResponse("Missing or invalid access token (see WWW-Authenticate)"),
  "403": problemResponse("The token lacks the required scope"),
  "404": problemResponse("Unknown route"),
  "405": problemResponse("Method not allowed (see Allow)"),
  "413": problemResponse(
    "Body larger than MAX_BODY_BYTES, a text longer than MAX_TEXT_CHARS, or too many texts",
  ),
  "415": problemResponse("Content-Type is not application/json"),
  "422": problemResponse("A field is missing, empty, of the wrong type, or unknown"),
  "429": problemResponse("Per-client rate limit exceeded (see Retry-After)"),
  "503": problemResponse("At capacity, backend unavailable, or a component not configured (see Retry-After)"),
  "504": problemResponse("The inference backend timed out"),
};

/** The OpenAPI 3.1 description of every route the gateway serves, with the configured limits. */
export function buildOpenApiDocument(limits: OpenApiLimits) {
  const phiTypeCounts = {
    type: "object",
    propertyNames: { enum: [...PHI_TYPES] },
    additionalProperties: { type: "integer", minimum: 1 },
  };
  const text = { type: "string", minLength: 1, maxLength: limits.maxTextChars };
  return {
    openapi: "3.1.0",
    info: {
      title: "Clinical inference gateway",
      version: "1.0.0",
      description:
        "Authenticates callers (OAuth2 client credentials, JWT bearer tokens), removes PHI from texts, and " +
        "classifies only the de-identified text. Errors are RFC 9457 problem details whose `type` is one of " +
        `${PROBLEM_TYPE_PREFIX}<slug>.`,
    },
    servers: [{ url: "/" }],
    security: [{ oauth2: [] }],
    paths: {
      "/v1/sentiment": {
        post: {
          operationId: "classifySentiment",
          summary: "De-identify one text and classify its sentiment",
          security: [{ oauth2: ["inference:invoke"] }],
          requestBody: jsonBody("SentimentRequest"),
          responses: { "200": jsonResponse("The prediction", "SentimentResult"), ...protectedErrors },
        },
      },
      "/v1/sentiment/batch": {
        post: {
          operationId: "classifySentimentBatch",
          summary: "De-identify and classify several texts in one call",
          security: [{ oauth2: ["inference:invoke"] }],
          requestBody: jsonBody("SentimentBatchRequest"),
          responses: {
            "200": jsonResponse("One result per text, in order", "SentimentBatchResult"),
            ...protectedErrors,
          },
        },
      },
      "/v1/deidentify": {
        post: {
          operationId: "deidentify",
          summary: "Remove PHI from a text",
          security: [{ oauth2: ["phi:deidentify"] }],
          requestBody: jsonBody("DeidentifyRequest"),
          responses: {
            "200": jsonResponse("The de-identified text", "DeidentifyResult"),
            ...protectedErrors,
          },
        },
      },
      "/oauth2/token": {
        post: {
          operationId: "issueToken",
          summary: limits.tokenEndpoint
            ? "OAuth2 client-credentials grant (RFC 6749 §4.4)"
            : "OAuth2 client-credentials grant: not enabled in this deployment (answers 404)",
          security: [{ clientBasic: [] }, {}],
          requestBody: {
            required: true,
            content: {
              "application/x-www-form-urlencoded": { schema: { $ref: "#/components/schemas/TokenRequest" } },
            },
          },
          responses: {
            "200": jsonResponse("An access token", "TokenResponse"),
            "400": jsonResponse("invalid_request, unsupported_grant_type or invalid_scope", "OAuthError"),
            "401": jsonResponse("invalid_client", "OAuthError"),
            "404": problemResponse("The token endpoint is not enabled"),
            "429": problemResponse("Too many token requests for this client"),
          },
        },
      },
      "/.well-known/jwks.json": {
        get: {
          operationId: "jwks",
          summary: "Public keys that verify the gateway's tokens",
          security: [],
          responses: { "200": { description: "A JSON Web Key Set", content: { "application/json": {} } } },
        },
      },
      "/healthz": {
        get: {
          operationId: "healthz",
          summary: "Liveness: the process is serving HTTP",
          security: [],
          responses: { "200": jsonResponse("Alive", "Status") },
        },
      },
      "/readyz": {
        get: {
          operationId: "readyz",
          summary: "Readiness: backend and model loaded, de-identifier configured, not shutting down",
          security: [],
          responses: { "200": jsonResponse("Ready", "Status"), "503": problemResponse("Not ready") },
        },
      },
      "/openapi.json": {
        get: {
          operationId: "openapi",
          summary: "This document",
          security: [],
          responses: { "200": { description: "OpenAPI 3.1 document", content: { "application/json": {} } } },
        },
      },
    },
    components: {
      securitySchemes: {
        oauth2: {
          type: "oauth2",
          flows: {
            clientCredentials: {
              tokenUrl: "/oauth2/token",
              scopes: {
                "inference:invoke": "Call /v1/sentiment and /v1/sentiment/batch",
                "phi:deidentify": "Call /v1/deidentify",
              },
            },
          },
        },
        clientBasic: { type: "http", scheme: "basic" },
      },
      schemas: {
        SentimentRequest: {
          type: "object",
          required: ["text"],
          additionalProperties: false,
          properties: { text },
        },
        SentimentBatchRequest: {
          type: "object",
          required: ["texts"],
          additionalProperties: false,
          properties: { texts: { type: "array", minItems: 1, maxItems: limits.maxBatchTexts, items: text } },
        },
        DeidentifyRequest: {
          type: "object",
          required: ["text"],
          additionalProperties: false,
          properties: { text },
        },
        SentimentResult: {
          type: "object",
          required: ["label", "score", "truncated", "model", "phi", "requestId"],
          properties: {
            label: { enum: ["POSITIVE", "NEGATIVE"] },
            score: { type: "number", minimum: 0, maximum: 1 },
            truncated: {
              type: "boolean",
              description:
                "True when the text was longer than the model's maximum sequence and only its start was classified",
            },
            model: {
              type: "object",
              required: ["name", "version", "synthetic"],
              properties: {
                name: { type: "string" },
                version: { type: "string" },
                synthetic: {
                  type: "boolean",
                  description: "True when the model has deterministic synthetic weights, not fine-tuned ones",
                },
              },
            },
            phi: {
              type: "object",
              required: ["count", "types"],
              properties: { count: { type: "integer", minimum: 0 }, types: phiTypeCounts },
            },
            requestId: { type: "string" },
          },
        },
        SentimentBatchResult: {
          type: "object",
          required: ["results"],
          properties: { results: { type: "array", items: { $ref: "#/components/schemas/SentimentResult" } } },
        },
        DeidentifyResult: {
          type: "object",
          required: ["text", "entities"],
          properties: {
            text: { type: "string" },
            entities: {
              type: "array",
              items: {
                type: "object",
                required: ["type", "start", "end"],
                properties: {
                  type: { enum: [...PHI_TYPES] },
                  start: { type: "integer", minimum: 0, description: "UTF-16 offset into the input text" },
                  end: {
                    type: "integer",
                    minimum: 0,
                    description: "Exclusive UTF-16 offset into the input text",
                  },
                },
              },
            },
          },
        },
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
            error: {
              enum: ["invalid_request", "invalid_client", "unsupported_grant_type", "invalid_scope"],
            },
            error_description: { type: "string" },
          },
        },
        Status: {
          type: "object",
          required: ["status"],
          properties: { status: { type: "string" } },
        },
        Problem: {
          type: "object",
          required: ["type", "title", "status", "detail"],
          properties: {
            type: { enum: Object.keys(PROBLEMS).map((slug) => PROBLEM_TYPE_PREFIX + slug) },
            title: { type: "string" },
            status: { type: "integer" },
            detail: { type: "string" },
            requestId: { type: "string" },
            errors: {
              type: "array",
              items: {
                type: "object",
                properties: { pointer: { type: "string" }, detail: { type: "string" } },
              },
            },
          },
        },
      },
    },
  };
}
