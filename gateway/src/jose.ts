/**
 * jose is ESM-only. Node 20.19+ loads it with require(), but TypeScript's node16 module mode cannot express
 * that, so the value comes from require() and the types from a resolution-mode import.
 */
type Jose = typeof import("jose", { with: { "resolution-mode": "import" }});

export type JSONWebKeySet = import("jose", { with: { "resolution-mode": "import" }}).JSONWebKeySet;
export type JWK = import("jose", { with: { "resolution-mode": "import" }}).JWK;
export type JWTPayload = import("jose", { with: { "resolution-mode": "import" }}).JWTPayload;
export type JWTVerifyGetKey = import("jose", { with: { "resolution-mode": "import" }}).JWTVerifyGetKey;

export const jose = require("jose") as Jose;
