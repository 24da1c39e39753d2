import type * as inputs from "@pulumi/kubernetes/types/input";

/**
 * The Pod Security Standards "restricted" profile, as our workload pods carry it. The gateway and Triton
 * namespaces enforce that profile, so both Deployments take their settings from here rather than from two
 * copies that could drift apart.
 */
export function restrictedPodSecurityContext(uid: number): inputs.core.v1.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    seccompProfile: { type: "RuntimeDefault" },
  };
}

export function restrictedContainerSecurityContext(
  uid: number,
  options: { readOnlyRootFilesystem: boolean },
): inputs.core.v1.SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: options.readOnlyRootFilesystem,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}
