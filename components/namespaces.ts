import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { standardLabels } from "./labels";

/**
 * The two workload namespaces. Both enforce the Pod Security Admission `restricted` profile: the gateway
 * trivially complies, and Triton does too because it runs as UID 1000 without privilege escalation, with all
 * capabilities dropped and the RuntimeDefault seccomp profile (a GPU is reached through the device plugin,
 * which needs no privilege in the workload pod).
 */
export interface NamespacesArgs {
  provider: k8s.Provider;
  gatewayNamespace: string;
  tritonNamespace: string;
  /**
   * Pod Security Standards version to enforce, e.g. "v1.33"; pin it to the cluster's minor version so an
   * upgrade does not silently tighten or loosen the profile. Default "latest".
   */
  podSecurityVersion?: string;
  /**
   * Label the gateway namespace for the AWS Load Balancer Controller's pod readiness gate, so a rolling
   * update waits until new pods are healthy ALB targets before old ones go (target-type ip only).
   */
  albPodReadinessGate: boolean;
}

export const POD_SECURITY_LEVEL = "restricted";
export const ALB_READINESS_GATE_LABEL = "elbv2.k8s.aws/pod-readiness-gate-inject";

export function podSecurityLabels(version: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const mode of ["enforce", "audit", "warn"]) {
    labels[`pod-security.kubernetes.io/${mode}`] = POD_SECURITY_LEVEL;
    labels[`pod-security.kubernetes.io/${mode}-version`] = version;
  }
  return labels;
}

export class Namespaces extends pulumi.ComponentResource {
  readonly gateway: k8s.core.v1.Namespace;
  readonly triton: k8s.core.v1.Namespace;
  /** Namespace names as Outputs, so dependents wait for the namespaces to exist. */
  readonly gatewayName: pulumi.Output<string>;
  readonly tritonName: pulumi.Output<string>;

  constructor(name: string, args: NamespacesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("clinical:workloads:Namespaces", name, {}, opts);
    if (args.gatewayNamespace === args.tritonNamespace) {
      throw new Error(
        `gateway and Triton must run in different namespaces (both are "${args.gatewayNamespace}"): ` +
          "network isolation between them is per namespace",
      );
    }
    const psa = podSecurityLabels(args.podSecurityVersion ?? "latest");
    const child = { parent: this, provider: args.provider };

    this.gateway = new k8s.core.v1.Namespace(
      `${name}-gateway`,
      {
        metadata: {
          name: args.gatewayNamespace,
          labels: {
            ...standardLabels({ name: "gateway", component: "namespace" }),
            ...psa,
            ...(args.albPodReadinessGate ? { [ALB_READINESS_GATE_LABEL]: "enabled" } : {}),
          },
        },
      },
      child,
    );
    this.triton = new k8s.core.v1.Namespace(
      `${name}-triton`,
      {
        metadata: {
          name: args.tritonNamespace,
          labels: { ...standardLabels({ name: "triton", component: "namespace" }), ...psa },
        },
      },
      child,
    );
    this.gatewayName = this.gateway.metadata.name;
    this.tritonName = this.triton.metadata.name;
    this.registerOutputs({ gatewayName: this.gatewayName, tritonName: this.tritonName });
  }
}
