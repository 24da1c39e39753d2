/**
 * One stack on a real control plane: render the program for the stack, start the control plane, register
 * nodes shaped like the stack's pools, install the ServiceMonitor CRD, and apply every object the program
 * registers with server-side apply and strict field validation, as the Pulumi Kubernetes provider does.
 */
import * as path from "node:path";
import type { ConfigValue } from "../pulumi-mocks";
import { type ControlPlane, startControlPlane } from "./control-plane";
import type { Kubectl } from "./kubectl";
import { registerNodes, type SimulatedNode, simulatedNodes } from "./nodes";
import { type RenderedStack, renderStack, type StackName } from "./stack-render";

export const SERVICE_MONITOR_CRD = path.join(__dirname, "crds", "monitoring.coreos.com_servicemonitors.yaml");
/** The field manager name the Pulumi Kubernetes provider uses for server-side apply. */
export const FIELD_MANAGER = "pulumi-kubernetes";

export interface StackCluster {
  rendered: RenderedStack;
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
    await kubectl.run([
      "apply",
      "--server-side",
      `--field-manager=${FIELD_MANAGER}`,
      "-f",
      SERVICE_MONITOR_CRD,
    ]);
    await kubectl.run([
      "wait",
      "--for=condition=Established",
      "--timeout=60s",
      "crd/servicemonitors.monitoring.coreos.com",
    ]);
    await serverSideApply(kubectl, rendered.manifests);
    return { rendered, nodes, kubectl, controlPlane, stop: () => controlPlane.stop() };
  } catch (error) {
    await controlPlane.stop();
    throw error;
  }
}
