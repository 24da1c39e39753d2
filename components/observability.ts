import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { standardLabels } from "./labels";

/**
 * Prometheus Operator ServiceMonitors for the gateway and Triton metrics ports. Only created when the
 * stack says the monitoring.coreos.com CRDs exist (serviceMonitor: true); the pods always carry
 * prometheus.io/* annotations for annotation-based scraping.
 */
export interface ServiceMonitorTarget {
  /** Short name, e.g. "gateway". */
  name: string;
  namespace: pulumi.Input<string>;
  /** Labels of the Service to scrape (its selector labels are enough). */
  serviceSelector: Record<string, string>;
  /** Named Service port that serves /metrics. */
  port: string;
}

export interface ObservabilityArgs {
  provider: k8s.Provider;
  targets: ServiceMonitorTarget[];
  /** Extra labels a Prometheus serviceMonitorSelector may require (e.g. {release: "kube-prometheus-stack"}). */
  serviceMonitorLabels?: Record<string, string>;
  scrapeInterval?: string;
}

export class Observability extends pulumi.ComponentResource {
  readonly serviceMonitors: k8s.apiextensions.CustomResource[];

  constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("clinical:workloads:Observability", name, {}, opts);
    this.serviceMonitors = args.targets.map(
      (target) =>
        new k8s.apiextensions.CustomResource(
          `${name}-${target.name}`,
          {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "ServiceMonitor",
            metadata: {
              name: target.name,
              namespace: target.namespace,
              labels: {
                ...standardLabels({ name: target.name, component: "monitoring" }),
                ...(args.serviceMonitorLabels ?? {}),
              },
            },
            spec: {
              selector: { matchLabels: target.serviceSelector },
              endpoints: [{ port: target.port, path: "/metrics", interval: args.scrapeInterval ?? "15s" }],
            },
          },
          { parent: this, provider: args.provider },
        ),
    );
    this.registerOutputs({});
  }
}
