import type { RequestHandler } from "express";
import type { ObjectSchema } from "./validation";

/**
 * One HTTP route, described once: the app registers it, answers 405 from it, labels metrics with its path,
 * and the OpenAPI document is generated from it.
 */
export interface Route {
  /** GET routes also answer HEAD. */
  method: "GET" | "POST";
  path: string;
  operationId: string;
  summary: string;
  /** Bearer-token scope the route requires; such a route is also rate-limited per client. */
  scope?: string;
  /** OpenAPI security of a route without a scope; absent means public. */
  security?: readonly Readonly<Record<string, readonly string[]>>[];
  body?: RouteBody;
  /** OpenAPI response objects by status code. */
  responses: Readonly<Record<string, object>>;
  /** Component schemas that the responses reference, by name. */
  schemas?: Readonly<Record<string, object>>;
  handler: RequestHandler | readonly RequestHandler[];
}

export const JSON_MEDIA_TYPE = "application/json";

/**
 * A JSON body is parsed and checked against its schema before the handler runs. A form body (the OAuth2
 * token request) is only documented here: its endpoint answers errors in the OAuth2 format, not as problems.
 */
export type RouteBody =
  | { mediaType: typeof JSON_MEDIA_TYPE; name: string; schema: ObjectSchema }
  | { mediaType: "application/x-www-form-urlencoded"; name: string; schema: object };

export const schemaRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });

export const problemResponse = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: schemaRef("Problem") } },
});

export const jsonResponse = (description: string, schemaName?: string) => ({
  description,
  content: { [JSON_MEDIA_TYPE]: schemaName === undefined ? {} : { schema: schemaRef(schemaName) } },
});

/** What any route with a scope and a JSON body can answer besides its success. */
export const PROTECTED_ERRORS = {
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
