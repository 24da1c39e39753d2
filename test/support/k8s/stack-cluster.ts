/**
 * One stack on a real control plane: render the program for the stack, start the control plane, register
 * nodes shaped like the stack's pools, install the CRDs the stack's Helm charts bring (pinned copies in crds/),
 * create the namespaces its Helm releases create, and apply every object the program registers with
 * server-side apply and strict field validation, as the Pulumi Kubernetes provider does.
 */
import * as path from "node:path";
import type { ConfigValue } from "../pulumi-mocks";
import { type ControlPlane, startControlPlane } from "./control-plane";
import type { Kubectl } from "./kubectl";
import { registerNodes, type SimulatedNode, simulatedNodes } from "./nodes";
import { type RenderedStack, renderStack, type StackName } from "./stack-render";

/**
 * The CRDs the stack's custom resources need, each a verbatim copy from the release the stack's chart version
 * pins (source and version in each file's header): ServiceMonitor (kube-prometheus-stack), ScaledObject (KEDA),
 * EC2NodeClass and NodePool (Karpenter).
 */
export const CRD_DIR = path.join(__dirname, "crds");
/** The field manager name the Pulumi Kubernetes provider uses for server-side apply. */
export const FIELD_MANAGER = "pulumi-kubernetes";

export interface StackCluster {
  rendered: RenderedStack;
  /**
   * Objects this control plane cannot take: kinds it does not serve (custom resources whose CRD the harness
   * does not have) or namespaces neither the stack (objects or Helm releases) nor Kubernetes creates. A test
   * asserts this is empty, so nothing is skipped silently.
   */
  // biome-ignore lint/suspicious/noExplicitAny: manifests are free-form JSON
  unapplied: { reason: string; manifest: any }[];
  nodes: SimulatedNode[];
  kubectl: Kubectl;
  controlPlane: ControlPlane;
  stop(): Promise<void>;
}

/** Server-side apply with fieldValidation=Strict: an unknown or duplicate field is an error, not a warning. */
// biome-ignore lint/suspicious/noExplicitAny: manifests are free-form JSON
export function serverSideApply(kubectl: Kubectl, manifests: any[]): Promise<string> {
  // Namespaces first: kubectl applies a List in order, and a namespaced object needs its namespace.
  const ordered = [...manifests].sort(
    (a, b) => Number(b.kind === "Namespace") - Number(a.kind === "Namespace"),
  );
  return kubectl.run(
    [
      "apply",
      "--server-side",
      `--field-manager=${FIELD_MANAGER}`,
      "--force-conflicts",
      "--validate=strict",
      "-f",
      "-",
    ],
    JSON.stringify({ apiVersion: "v1", kind: "List", items: ordered }),
  );
}

/** "apiVersion/Kind" of every kind the API server serves. */
async function servedKinds(kubectl: Kubectl): Promise<Set<string>> {
  const kinds = new Set<string>();
  const groups = JSON.parse(await kubectl.run(["get", "--raw", "/apis"]));
  const versions = [
    "v1",
    ...groups.groups.map(
      (g: { preferredVersion: { groupVersion: string } }) => g.preferredVersion.groupVersion,
    ),
  ];
  for (const groupVersion of versions) {
    const path = groupVersion === "v1" ? "/api/v1" : `/apis/${groupVersion}`;
    const list = JSON.parse(await kubectl.run(["get", "--raw", path]));
    for (const r of list.resources as { kind: string; name: string }[]) {
      if (!r.name.includes("/")) kinds.add(`${groupVersion}/${r.kind}`);
    }
  }
  return kinds;
}

/**
 * What KEDA's HPA does to a ScaledObject's Deployment (which sets no replicas) once installed: raise it to the
 * floor, at least 1, since KEDA's own scale to zero needs an idle trigger and there is no Prometheus here. KEDA
 * itself does not run: its operator needs the metrics its triggers query.
 */
// biome-ignore lint/suspicious/noExplicitAny: manifests are free-form JSON
async function holdScaledObjectFloors(kubectl: Kubectl, manifests: any[]): Promise<void> {
  for (const scaled of manifests.filter((m) => m.kind === "ScaledObject")) {
    const { kind, name } = scaled.spec.scaleTargetRef;
    if (kind !== "Deployment") throw new Error(`ScaledObject ${scaled.metadata.name} scales a ${kind}`);
    const floor = Math.max(1, scaled.spec.minReplicaCount ?? 0);
    await kubectl.run([
      "scale",
      `deployment/${name}`,
      "-n",
      scaled.metadata.namespace,
      `--replicas=${floor}`,
    ]);
  }
}

/** `overrides` change the committed stack file's config (bare keys), as `pulumi config set` would. */
export async function startStackCluster(
  stack: StackName,
  overrides: Record<string, ConfigValue> = {},
): Promise<StackCluster> {
  const rendered = await renderStack(stack, overrides);
  const controlPlane = await startControlPlane();
  try {
    const { kubectl } = controlPlane;
    const nodes = simulatedNodes(rendered.nodePools, rendered.region);
    await registerNodes(kubectl, nodes);
    await controlPlane.startNodes();
    await kubectl.run(["apply", "--server-side", `--field-manager=${FIELD_MANAGER}`, "-f", CRD_DIR]);
    await kubectl.run(["wait", "--for=condition=Established", "--timeout=60s", "crd", "--all"]);
    const kindsServed = await servedKinds(kubectl);
    // What `helm install --create-namespace` does before the release's objects: a bare Namespace.
    const helmNamespaces = [
      ...new Set(rendered.helmReleases.filter((r) => r.createNamespace).map((r) => r.namespace)),
    ].filter((name) => !rendered.manifests.some((m) => m.kind === "Namespace" && m.metadata.name === name));
    for (const name of helmNamespaces) await kubectl.run(["create", "namespace", name]);
    const namespaces = new Set([
      "default",
      "kube-system",
      ...helmNamespaces,
      ...rendered.manifests.filter((m) => m.kind === "Namespace").map((m) => m.metadata.name as string),
    ]);
    const unapplied: StackCluster["unapplied"] = [];
    const applicable = rendered.manifests.filter((m) => {
      const reason = !kindsServed.has(`${m.apiVersion}/${m.kind}`)
        ? `kind ${m.kind} (${m.apiVersion}) is not served`
        : m.metadata.namespace && !namespaces.has(m.metadata.namespace)
          ? `namespace ${m.metadata.namespace} is not created by the stack`
          : undefined;
      if (reason) unapplied.push({ reason, manifest: m });
      return reason === undefined;
    });
    await serverSideApply(kubectl, applicable);
    await holdScaledObjectFloors(kubectl, applicable);
    return { rendered, unapplied, nodes, kubectl, controlPlane, stop: () => controlPlane.stop() };
  } catch (error) {
    await controlPlane.stop();
    throw error;
  }
}
