import * as k8s from "@pulumi/kubernetes";
import type * as inputs from "@pulumi/kubernetes/types/input";
import type * as pulumi from "@pulumi/pulumi";

/**
 * The Kubernetes shapes the gateway and Triton share, so both expose ports, probes, scrape annotations and
 * disruption budgets the same way. Ports are always referred to by name: the Service's targetPort and every
 * probe name the container port, so a port number lives only in the component's port table.
 */

export type NamedPorts = Readonly<Record<string, number>>;

export interface ObjectMeta {
  name: string;
  namespace: pulumi.Input<string>;
  labels: Record<string, string>;
}

export function containerPorts(ports: NamedPorts): inputs.core.v1.ContainerPort[] {
  return Object.entries(ports).map(([name, port]) => ({ name, containerPort: port, protocol: "TCP" }));
}

/** A namespaced Kubernetes object kind whose arguments are its metadata and spec. */
type ObjectKind<Spec, R> = new (
  logicalName: string,
  args: { metadata: ObjectMeta; spec: Spec },
  opts: pulumi.CustomResourceOptions,
) => R;

/** The shared builders make every object alike: the component's metadata, one spec, the caller's options. */
function namespacedObject<Spec, R>(
  kind: ObjectKind<Spec, R>,
  logicalName: string,
  meta: ObjectMeta,
  spec: Spec,
  opts: pulumi.CustomResourceOptions,
): R {
  return new kind(logicalName, { metadata: meta, spec }, opts);
}

/** A ClusterIP Service publishing every named container port under the same name and number. */
export function clusterIpService(
  logicalName: string,
  meta: ObjectMeta,
  selector: Record<string, string>,
  ports: NamedPorts,
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Service {
  const servicePorts = Object.entries(ports).map(([name, port]) => ({
    name,
    port,
    targetPort: name,
    protocol: "TCP",
  }));
  return namespacedObject(
    k8s.core.v1.Service,
    logicalName,
    meta,
    { type: "ClusterIP", selector, ports: servicePorts },
    opts,
  );
}

/**
 * At most one pod down for voluntary disruptions (node drains, upgrades). Unhealthy pods may always be
 * evicted, so a crash-looping pod cannot block a node drain.
 */
export function onePodDisruptionBudget(
  logicalName: string,
  meta: ObjectMeta,
  selector: Record<string, string>,
  opts: pulumi.CustomResourceOptions,
): k8s.policy.v1.PodDisruptionBudget {
  const spec = {
    maxUnavailable: 1,
    selector: { matchLabels: selector },
    unhealthyPodEvictionPolicy: "AlwaysAllow",
  };
  return namespacedObject(k8s.policy.v1.PodDisruptionBudget, logicalName, meta, spec, opts);
}

export interface ProbeTiming {
  periodSeconds: number;
  failureThreshold: number;
  timeoutSeconds: number;
}

/** An HTTP GET probe on the container port named "http". */
export function httpProbe(path: string, timing: ProbeTiming): inputs.core.v1.Probe {
  return { httpGet: { path, port: "http" }, ...timing };
}

/** Pod annotations that let an annotation-based Prometheus find the metrics port. */
export function prometheusScrapeAnnotations(metricsPort: number): Record<string, string> {
  return {
    "prometheus.io/scrape": "true",
    "prometheus.io/port": String(metricsPort),
    "prometheus.io/path": "/metrics",
  };
}

/**
 * Spread over `topologyKey`, counted per rollout (pod-template-hash) so a surge does not skew it. Only
 * domains of nodes the pod may run on count: taints are honoured (by default the scheduler would count a
 * zone that holds nothing but tainted GPU nodes, and DoNotSchedule would then refuse every pod elsewhere),
 * and so is the pod's node affinity.
 */
export function spreadAcross(
  topologyKey: string,
  whenUnsatisfiable: "DoNotSchedule" | "ScheduleAnyway",
  selector: Record<string, string>,
): inputs.core.v1.TopologySpreadConstraint {
  return {
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable,
    labelSelector: { matchLabels: selector },
    matchLabelKeys: ["pod-template-hash"],
    nodeTaintsPolicy: "Honor",
    nodeAffinityPolicy: "Honor",
  };
}
