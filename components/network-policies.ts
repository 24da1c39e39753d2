import * as k8s from "@pulumi/kubernetes";
import type * as inputs from "@pulumi/kubernetes/types/input";
import * as pulumi from "@pulumi/pulumi";
import { standardLabels } from "./labels";

/**
 * Ingress isolation for both workload namespaces: everything is denied unless listed here.
 *
 * - ALB -> gateway :8080. With target-type ip the ALB connects to pod IPs from its own ENIs inside the VPC,
 *   so the peer is the VPC CIDR (this also admits other VPC addresses to the gateway's API port, which
 *   authenticates every request anyway; nothing else on the gateway is reachable that way).
 * - gateway pods -> Triton pods on 8000 (HTTP) and 8001 (gRPC) only: namespace and pod selector in one peer,
 *   so both must match.
 * - monitoring namespace -> metrics ports (gateway 9090, Triton 8002).
 *
 * Namespaces are matched by `kubernetes.io/metadata.name`, which the API server sets on every namespace and
 * nobody can change, so a tenant cannot impersonate the monitoring namespace by labelling their own.
 * Kubelet probes come from the node itself, which NetworkPolicy always admits.
 */
export interface NetworkPoliciesArgs {
  provider: k8s.Provider;
  /** The Namespace objects' names (Outputs), so policies wait for their namespaces; also selector values. */
  gatewayNamespace: pulumi.Input<string>;
  tritonNamespace: pulumi.Input<string>;
  monitoringNamespace: string;
  vpcCidr: pulumi.Input<string>;
  gatewayPodSelector: Record<string, string>;
  tritonPodSelector: Record<string, string>;
  gatewayPorts: { http: number; metrics: number };
  tritonPorts: { http: number; grpc: number; metrics: number };
}

export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

const tcp = (...ports: number[]): inputs.networking.v1.NetworkPolicyPort[] =>
  ports.map((port) => ({ protocol: "TCP", port }));

export class NetworkPolicies extends pulumi.ComponentResource {
  readonly policies: k8s.networking.v1.NetworkPolicy[] = [];

  constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("clinical:workloads:NetworkPolicies", name, {}, opts);
    const labels = standardLabels({ name: "clinical-inference", component: "network-policy" });
    const add = (
      logical: string,
      namespace: pulumi.Input<string>,
      spec: inputs.networking.v1.NetworkPolicySpec,
      policyName: string,
    ) => {
      this.policies.push(
        new k8s.networking.v1.NetworkPolicy(
          `${name}-${logical}`,
          { metadata: { name: policyName, namespace, labels }, spec },
          { parent: this, provider: args.provider },
        ),
      );
    };
    const fromMonitoring: inputs.networking.v1.NetworkPolicyPeer = {
      namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: args.monitoringNamespace } },
    };

    for (const [ns, key] of [
      [args.gatewayNamespace, "gateway"],
      [args.tritonNamespace, "triton"],
    ] as const) {
      add(`${key}-default-deny`, ns, { podSelector: {}, policyTypes: ["Ingress"] }, "default-deny-ingress");
    }

    add(
      "alb-to-gateway",
      args.gatewayNamespace,
      {
        podSelector: { matchLabels: args.gatewayPodSelector },
        policyTypes: ["Ingress"],
        ingress: [{ from: [{ ipBlock: { cidr: args.vpcCidr } }], ports: tcp(args.gatewayPorts.http) }],
      },
      "allow-alb-to-gateway",
    );
    add(
      "monitoring-to-gateway",
      args.gatewayNamespace,
      {
        podSelector: { matchLabels: args.gatewayPodSelector },
        policyTypes: ["Ingress"],
        ingress: [{ from: [fromMonitoring], ports: tcp(args.gatewayPorts.metrics) }],
      },
      "allow-metrics-scrape",
    );
    add(
      "gateway-to-triton",
      args.tritonNamespace,
      {
        podSelector: { matchLabels: args.tritonPodSelector },
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: [
              {
                namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: args.gatewayNamespace } },
                podSelector: { matchLabels: args.gatewayPodSelector },
              },
            ],
            ports: tcp(args.tritonPorts.http, args.tritonPorts.grpc),
          },
        ],
      },
      "allow-gateway-to-triton",
    );
    add(
      "monitoring-to-triton",
      args.tritonNamespace,
      {
        podSelector: { matchLabels: args.tritonPodSelector },
        policyTypes: ["Ingress"],
        ingress: [{ from: [fromMonitoring], ports: tcp(args.tritonPorts.metrics) }],
      },
      "allow-metrics-scrape",
    );
    this.registerOutputs({});
  }
}
