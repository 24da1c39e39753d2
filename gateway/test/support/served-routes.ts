import type { Express } from "express";
import request from "supertest";

const PROBED_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] as const;

/**
 * What the real app serves, found from the outside: the paths its router holds, and per path the methods
 * that answer anything but 405. Nothing here reads the route table, so it can disagree with the document.
 */
export async function servedRoutes(app: Express): Promise<Map<string, string[]>> {
  const router = (app as unknown as { router: { stack: Array<{ route?: { path: unknown } }> } }).router;
  const paths = new Set<string>();
  for (const layer of router.stack) {
    if (typeof layer.route?.path === "string") paths.add(layer.route.path);
  }
  const served = new Map<string, string[]>();
  for (const path of paths) {
    const methods: string[] = [];
    for (const method of PROBED_METHODS) {
      const res = await request(app)[method === "DELETE" ? "delete" : (method.toLowerCase() as "get")](path);
      if (res.status !== 405) methods.push(method);
    }
    served.set(path, methods);
  }
  return served;
}
