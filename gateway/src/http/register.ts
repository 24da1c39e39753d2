import type { Express, RequestHandler } from "express";
import { HttpProblem } from "../problem";
import { locals } from "./request-context";
import { JSON_MEDIA_TYPE, type Route } from "./route";
import { validateBody } from "./validation";

/** What the app puts in front of a route's handler; the route says which apply. */
export interface RouteGuards {
  /** Authentication, scope check and per-client rate limit for a route with a scope. */
  protect(scope: string): readonly RequestHandler[];
  /** Parses a JSON body (media type, size, encoding); the route's schema then checks it. */
  jsonBody: RequestHandler;
}

/** Paths and the methods they answer (GET implies HEAD): the Allow header of a 405. */
export function allowedMethods(routes: readonly Route[]): ReadonlyMap<string, readonly string[]> {
  const allowed = new Map<string, string[]>();
  for (const route of routes) {
    const methods = allowed.get(route.path) ?? [];
    methods.push(...(route.method === "GET" ? ["GET", "HEAD"] : [route.method]));
    allowed.set(route.path, methods);
  }
  return allowed;
}

/** The path template is the metric and audit label: bounded, and free of anything the client typed. */
const label =
  (path: string): RequestHandler =>
  (_req, res, next) => {
    locals(res).route = path;
    next();
  };

const validating =
  (schema: Parameters<typeof validateBody>[0]): RequestHandler =>
  (req, _res, next) => {
    validateBody(schema, req.body);
    next();
  };

/** Registers every route, then a 405 with Allow for any other method on a known path. */
export function registerRoutes(app: Express, routes: readonly Route[], guards: RouteGuards): void {
  for (const route of routes) {
    const chain: RequestHandler[] = [label(route.path)];
    if (route.scope !== undefined) chain.push(...guards.protect(route.scope));
    if (route.body?.mediaType === JSON_MEDIA_TYPE) chain.push(guards.jsonBody, validating(route.body.schema));
    chain.push(...[route.handler].flat());
    if (route.method === "GET") app.get(route.path, ...chain);
    else app.post(route.path, ...chain);
  }
  for (const [path, methods] of allowedMethods(routes)) {
    const allow = methods.join(", ");
    app.all(path, label(path), () => {
      throw new HttpProblem("method-not-allowed", `${path} answers ${allow}`, { headers: { Allow: allow } });
    });
  }
}
