import type { Deidentifier, InferenceBackend } from "../contracts";
import { jsonResponse, problemResponse, type Route } from "../http/route";
import { HttpProblem } from "../problem";

export interface HealthRouteDeps {
  /** Set on SIGTERM: readiness fails so the load balancer stops sending new requests. */
  state: { readonly draining: boolean };
  deidentifier?: Deidentifier;
  backend?: InferenceBackend;
}

const STATUS_SCHEMA = { type: "object", required: ["status"], properties: { status: { type: "string" } } };

/** GET /healthz (liveness) and /readyz (readiness), the Kubernetes probes. */
export function healthRoutes(deps: HealthRouteDeps): Route[] {
  const dependencyMissing = (what: string) =>
    new HttpProblem("dependency-missing", `The ${what} is not configured`, { extensions: { missing: what } });
  return [
    {
      method: "GET",
      path: "/healthz",
      operationId: "healthz",
      summary: "Liveness: the process is serving HTTP and its backend can still recover",
      responses: { "200": jsonResponse("Alive", "Status"), "503": problemResponse("Restart this process") },
      schemas: { Status: STATUS_SCHEMA },
      handler: (_req, res) => {
        // A worker that is restarting is still live (readiness covers it); one that gave up is not.
        if (deps.backend?.live?.() === false) {
          throw new HttpProblem(
            "backend-unavailable",
            "The inference backend cannot recover in this process",
          );
        }
        res.json({ status: "ok" });
      },
    },
    {
      method: "GET",
      path: "/readyz",
      operationId: "readyz",
      summary: "Readiness: backend and model loaded, de-identifier configured, not shutting down",
      responses: { "200": jsonResponse("Ready", "Status"), "503": problemResponse("Not ready") },
      schemas: { Status: STATUS_SCHEMA },
      handler: async (_req, res) => {
        if (deps.state.draining) throw new HttpProblem("shutting-down", "The gateway is shutting down");
        if (!deps.deidentifier) throw dependencyMissing("de-identification engine");
        if (!deps.backend) throw dependencyMissing("inference backend");
        let ready = false;
        try {
          ready = await deps.backend.ready();
        } catch {
          ready = false;
        }
        if (!ready) throw new HttpProblem("not-ready", "The inference backend or its model is not ready");
        res.json({ status: "ready", model: deps.backend.modelInfo() });
      },
    },
  ];
}
