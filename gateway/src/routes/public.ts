import type { RequestHandler } from "express";
import { jsonResponse, type Route } from "../http/route";
import type { JSONWebKeySet, JWK } from "../jose";
import type { TokenSigner } from "../oauth/signer";

export const OPENAPI_PATH = "/openapi.json";

export interface PublicRouteDeps {
  /** Its key is always published. */
  signer?: TokenSigner;
  /** Extra public keys to publish (other generations, an external issuer's). */
  publishedKeys?: JSONWebKeySet;
  /** The OpenAPI document, built once from every route including these. */
  openApiDocument: () => string;
}

/** Public documents carry nothing about a request, so proxies may cache them for a while. */
const cacheable =
  (body: () => string): RequestHandler =>
  (_req, res) => {
    res.setHeader("Cache-Control", "public, max-age=300");
    res.type("application/json").send(body());
  };

function publishedJwks(deps: PublicRouteDeps): string {
  const keys = new Map<string, JWK>();
  if (deps.signer) keys.set(deps.signer.kid, deps.signer.publicJwk);
  for (const key of deps.publishedKeys?.keys ?? []) keys.set(key.kid ?? JSON.stringify(key), key);
  return JSON.stringify({ keys: [...keys.values()] });
}

/** GET /.well-known/jwks.json and /openapi.json: what a client needs before it has a token. */
export function publicRoutes(deps: PublicRouteDeps): Route[] {
  const jwks = publishedJwks(deps);
  return [
    {
      method: "GET",
      path: "/.well-known/jwks.json",
      operationId: "jwks",
      summary: "Public keys that verify the gateway's tokens",
      responses: { "200": jsonResponse("A JSON Web Key Set") },
      handler: cacheable(() => jwks),
    },
    {
      method: "GET",
      path: OPENAPI_PATH,
      operationId: "openapi",
      summary: "This document",
      responses: { "200": jsonResponse("OpenAPI 3.1 document") },
      handler: cacheable(deps.openApiDocument),
    },
  ];
}
