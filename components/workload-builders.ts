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

/** A ClusterIP Service publishing every named container port under the same name and number. */
export function clusterIpService(
  logicalName: string,
  meta: ObjectMeta,
  selector: Record<string, string>,
  ports: NamedPorts,
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Service {
  return new k8s.core.v1.Service(
    logicalName,
    {
      metadata: meta,
      spec: {
        type: "ClusterIP",
        selector,
        ports: Object.entries(ports).map(([name, port]) => ({
          name,
          port,
          targetPort: name,
          protocol: "TCP",
        })),
      },
    },
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
  return new k8s.policy.v1.PodDisruptionBudget(
    logicalName,
    {
      metadata: meta,
      spec: {
        maxUnavailable: 1,
        selector: { matchLabels: selector },
        unhealthyPodEvictionPolicy: "AlwaysAllow",
      },
    },
    opts,
  );
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

/** Spread over `topologyKey`, counted per rollout (pod-template-hash) so a surge does not skew it. */
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
  };
}
