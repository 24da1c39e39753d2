/**
 * Every Kubernetes object the workloads layer creates, for a dev, a prod and an external-IdP stack, is
 * validated against the Kubernetes OpenAPI schema (kubernetes-models 5.1.0 = Kubernetes 1.34 API; the
 * ServiceMonitor against the prometheus-operator CRD schema). No cluster is needed, and an invalid manifest
 * fails here instead of at `pulumi up`.
 */
import { type Built, buildWorkloads, type StackKind } from "./support/workloads-fixture";
import { validateManifests } from "./support/workloads-schema";

const KINDS_EVERY_STACK = [
  "ConfigMap",
  "Deployment",
  "HorizontalPodAutoscaler",
  "Ingress",
  "Namespace",
  "NetworkPolicy",
  "PodDisruptionBudget",
  "Secret",
  "Service",
  "ServiceAccount",
];

const built: Partial<Record<StackKind, Built>> = {};
beforeAll(async () => {
  for (const kind of ["dev", "prod", "external"] as const) built[kind] = await buildWorkloads(kind);
});

describe.each(["dev", "prod", "external"] as const)("%s stack", (kind) => {
  test("every Kubernetes object validates against the official OpenAPI schema", () => {
    const manifests = (built[kind] as Built).manifests();
    const results = validateManifests(manifests);
    expect(results).toHaveLength(manifests.length);
    const invalid = results.filter((r) => r.errors.length > 0);
    expect(invalid).toEqual([]);
  });

  test("the validated set covers every kind of object the layer creates", () => {
    const kinds = new Set((built[kind] as Built).manifests().map((m) => m.kind as string));
    for (const expected of KINDS_EVERY_STACK) {
      if (kind === "external" && expected === "ConfigMap") continue;
      expect(kinds).toContain(expected);
    }
    expect(kinds.has("ServiceMonitor")).toBe(kind !== "dev");
  });
});

describe("the validator", () => {
  test("rejects a Deployment whose container port is not an integer", () => {
    const deployment = structuredClone((built.prod as Built).manifest("Deployment", "gateway", "gateway"));
    deployment.spec.template.spec.containers[0].ports[0].containerPort = "eighty-eighty";
    const [result] = validateManifests([deployment]);
    expect(result?.errors.join("\n")).toMatch(/containerPort must be integer/);
  });

  test("rejects a pod template without containers", () => {
    const deployment = structuredClone((built.prod as Built).manifest("Deployment", "triton", "triton"));
    delete deployment.spec.template.spec.containers;
    const [result] = validateManifests([deployment]);
    expect(result?.errors.join("\n")).toMatch(
      /spec\/template\/spec must have required property '?containers/,
    );
  });

  test("rejects a resource quantity that is not a Kubernetes quantity", () => {
    const deployment = structuredClone((built.prod as Built).manifest("Deployment", "triton", "triton"));
    deployment.spec.template.spec.containers[0].resources.limits.memory = "twelve gigs";
    const [result] = validateManifests([deployment]);
    expect(result?.errors.join("\n")).toMatch(/limits\/memory must match format "quantity"/);
  });

  test("rejects a ServiceMonitor with a malformed scrape interval", () => {
    const monitor = structuredClone((built.prod as Built).manifest("ServiceMonitor", "gateway", "gateway"));
    monitor.spec.endpoints[0].interval = "every 15 seconds";
    const [result] = validateManifests([monitor]);
    expect(result?.errors.join("\n")).toMatch(/interval must match pattern/);
  });

  test("reports an object kind it has no schema for instead of skipping it", () => {
    const [result] = validateManifests([
      { apiVersion: "example.org/v1", kind: "Widget", metadata: { name: "w" } },
    ]);
    expect(result?.errors.join("\n")).toMatch(/no schema/);
  });
});
