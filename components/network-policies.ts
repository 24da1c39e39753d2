import * as k8s from "@pulumi/kubernetes";
import type * as inputs from "@pulumi/kubernetes/types/input";
import * as pulumi from "@pulumi/pulumi";
import { standardLabels } from "./labels";

/**
 * Ingress and egress isolation for both PHI-handling namespaces: everything is denied unless listed here.
 *
 * Ingress:
 * - ALB -> gateway :8080. With target-type ip the ALB connects to pod IPs from its own ENIs, which live in the
 *   public subnets only; pods (VPC CNI: VPC addresses) sit in the private subnets, so the peer is the public
 *   subnets' CIDRs, not the VPC's.
 * - gateway pods -> Triton pods on 8000 (HTTP) and 8001 (gRPC) only: namespace and pod selector in one peer,
 *   so both must match.
 * - monitoring namespace -> metrics ports (gateway 9090, Triton 8002).
 *
 * Egress (so neither workload can send PHI anywhere else, NAT included):
 * - both -> kube-dns (UDP/TCP 53);
 * - gateway -> Triton pods on 8000/8001; with an external IdP, -> TCP 443 outside the VPC for its JWKS
 *   (NetworkPolicy cannot name a host, so this is the narrowest rule that reaches any IdP);
 * - Triton -> S3 on 443 through the VPC gateway endpoint (S3's prefix-list CIDRs: no internet path), and
 *   -> the STS interface endpoint on 443 (private subnets) for the IRSA web-identity exchange.
 * Neither talks to the Kubernetes API (the gateway mounts no token, Triton needs none), so no rule allows it.
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
  vpcCidr: string;
  /** Public subnets' CIDRs: the only addresses the ALB connects from. */
  albSubnetCidrs: string[];
  /** Private subnets' CIDRs: where the STS interface endpoint's interfaces live. */
  privateSubnetCidrs: string[];
  /** S3's CIDRs in the region (the gateway endpoint's prefix list). */
  s3Cidrs: pulumi.Input<string[]>;
  /** The gateway fetches an external IdP's JWKS over HTTPS. */
  externalIdp: boolean;
  gatewayPodSelector: Record<string, string>;
  tritonPodSelector: Record<string, string>;
  gatewayPorts: { http: number; metrics: number };
  tritonPorts: { http: number; grpc: number; metrics: number };
}

export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";
/** CoreDNS as EKS's add-on labels it. */
export const KUBE_DNS = { namespace: "kube-system", labels: { "k8s-app": "kube-dns" } } as const;
export const HTTPS_PORT = 443;

const tcp = (...ports: number[]): inputs.networking.v1.NetworkPolicyPort[] =>
  ports.map((port) => ({ protocol: "TCP", port }));
const toCidrs = (cidrs: string[]): inputs.networking.v1.NetworkPolicyPeer[] =>
  cidrs.map((cidr) => ({ ipBlock: { cidr } }));

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

    const toDns: inputs.networking.v1.NetworkPolicyEgressRule = {
      to: [
        {
          namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: KUBE_DNS.namespace } },
          podSelector: { matchLabels: { ...KUBE_DNS.labels } },
        },
      ],
      ports: [
        { protocol: "UDP", port: 53 },
        { protocol: "TCP", port: 53 },
      ],
    };
    for (const [ns, key] of [
      [args.gatewayNamespace, "gateway"],
      [args.tritonNamespace, "triton"],
    ] as const) {
      add(`${key}-default-deny`, ns, { podSelector: {}, policyTypes: ["Ingress"] }, "default-deny-ingress");
      add(
        `${key}-default-deny-egress`,
        ns,
        { podSelector: {}, policyTypes: ["Egress"] },
        "default-deny-egress",
      );
      add(`${key}-dns`, ns, { podSelector: {}, policyTypes: ["Egress"], egress: [toDns] }, "allow-dns");
    }

    add(
      "alb-to-gateway",
      args.gatewayNamespace,
      {
        podSelector: { matchLabels: args.gatewayPodSelector },
        policyTypes: ["Ingress"],
        ingress: [{ from: toCidrs(args.albSubnetCidrs), ports: tcp(args.gatewayPorts.http) }],
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
      "gateway-egress",
      args.gatewayNamespace,
      {
        podSelector: { matchLabels: args.gatewayPodSelector },
        policyTypes: ["Egress"],
        egress: [
          {
            to: [
              {
                namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: args.tritonNamespace } },
                podSelector: { matchLabels: args.tritonPodSelector },
              },
            ],
            ports: tcp(args.tritonPorts.http, args.tritonPorts.grpc),
          },
          ...(args.externalIdp
            ? [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [args.vpcCidr] } }], ports: tcp(HTTPS_PORT) }]
            : []),
        ],
      },
      "allow-gateway-egress",
    );
    add(
      "triton-egress",
      args.tritonNamespace,
      {
        podSelector: { matchLabels: args.tritonPodSelector },
        policyTypes: ["Egress"],
        egress: [
          { to: pulumi.output(args.s3Cidrs).apply(toCidrs), ports: tcp(HTTPS_PORT) },
          { to: toCidrs(args.privateSubnetCidrs), ports: tcp(HTTPS_PORT) },
        ],
      },
      "allow-triton-egress",
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
