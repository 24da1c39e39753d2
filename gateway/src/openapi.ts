import type { Route } from "./http/route";
import { PROBLEM_TYPE_PREFIX, PROBLEMS } from "./problem";
import { TOKEN_PATH } from "./routes/oauth";

/** RFC 9457 problem details: the body of every error except the OAuth2 token endpoint's. */
const PROBLEM_SCHEMA = {
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
      items: { type: "object", properties: { pointer: { type: "string" }, detail: { type: "string" } } },
    },
  },
};

function operation(route: Route) {
  return {
    operationId: route.operationId,
    summary: route.summary,
    security: route.scope !== undefined ? [{ oauth2: [route.scope] }] : (route.security ?? []),
    ...(route.body && {
      requestBody: {
        required: true,
        content: { [route.body.mediaType]: { schema: { $ref: `#/components/schemas/${route.body.name}` } } },
      },
    }),
    responses: route.responses,
  };
}

/** Every schema the routes publish, by name; one name may not stand for two schemas. */
function componentSchemas(routes: readonly Route[]): Record<string, object> {
  const schemas: Record<string, object> = {};
  const add = (name: string, schema: object, path: string) => {
    const known = schemas[name];
    if (known !== undefined && JSON.stringify(known) !== JSON.stringify(schema)) {
      throw new Error(`${path} defines schema ${name} differently from another route`);
    }
    schemas[name] = schema;
  };
  for (const route of routes) {
    if (route.body) add(route.body.name, route.body.schema, route.path);
    for (const [name, schema] of Object.entries(route.schemas ?? {})) add(name, schema, route.path);
  }
  add("Problem", PROBLEM_SCHEMA, "the problem format");
  return schemas;
}

/** Scope descriptions name the paths that require each scope. */
function scopeDescriptions(routes: readonly Route[]): Record<string, string> {
  const paths = new Map<string, string[]>();
  for (const route of routes) {
    if (route.scope === undefined) continue;
    paths.set(route.scope, [...(paths.get(route.scope) ?? []), route.path]);
  }
  return Object.fromEntries([...paths].map(([scope, p]) => [scope, `Call ${p.join(" and ")}`]));
}

/** The OpenAPI 3.1 description of the given routes: the same records the app registers and validates with. */
export function buildOpenApiDocument(routes: readonly Route[]) {
  const paths: Record<string, Record<string, ReturnType<typeof operation>>> = {};
  for (const route of routes) {
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operation(route) };
  }
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
    paths,
    components: {
      securitySchemes: {
        oauth2: {
          type: "oauth2",
          flows: { clientCredentials: { tokenUrl: TOKEN_PATH, scopes: scopeDescriptions(routes) } },
        },
        clientBasic: { type: "http", scheme: "basic" },
      },
      schemas: componentSchemas(routes),
    },
  };
}
