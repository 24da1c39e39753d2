/**
 * Workload isolation: PHI namespaces deny all traffic by default in both directions, Triton is never exposed
 * outside the cluster, and no pod escapes to its node except the NVIDIA device plugin's socket directory.
 */
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { PHI_NAMESPACE_LABEL } from "../components/data-classification";
import { DEVICE_PLUGIN_SOCKET_DIR } from "../components/device-plugin";
import { containers, type Props, podSpec } from "./resources";

const NAMESPACE = "kubernetes:core/v1:Namespace";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const SERVICE = "kubernetes:core/v1:Service";
const EXPOSED_SERVICE_TYPES = ["LoadBalancer", "NodePort"];

/** The one workload allowed a hostPath: the device plugin registers with the kubelet through this directory. */
const DEVICE_PLUGIN = {
  namespace: "kube-system",
  name: "nvidia-device-plugin",
  hostPath: DEVICE_PLUGIN_SOCKET_DIR,
};

const isPhiNamespace = (ns: PolicyResource) => ns.props.metadata?.labels?.[PHI_NAMESPACE_LABEL] !== "false";

/** A default-deny policy for `direction`: selects every pod, lists the direction, allows nothing in it. */
function deniesAll(policy: Props, direction: "Ingress" | "Egress"): boolean {
  const spec = policy.spec ?? {};
  const selectsAll =
    Object.keys(spec.podSelector ?? { x: 1 }).length === 0 ||
    (Object.keys(spec.podSelector.matchLabels ?? {}).length === 0 &&
      (spec.podSelector.matchExpressions ?? []).length === 0);
  const rules = direction === "Ingress" ? spec.ingress : spec.egress;
  return selectsAll && (spec.policyTypes ?? []).includes(direction) && (rules ?? []).length === 0;
}

export const phiNamespaceDefaultDeny: StackValidationPolicy = {
  name: "phi-namespace-default-deny",
  description: `Every PHI namespace (all the stack declares unless labelled ${PHI_NAMESPACE_LABEL}: "false") has default-deny ingress and egress NetworkPolicies.`,
  enforcementLevel: "mandatory",
  validateStack: ({ resources }, report) => {
    const policies = resources.filter((r) => r.type === NETWORK_POLICY);
    for (const ns of resources.filter((r) => r.type === NAMESPACE && isPhiNamespace(r))) {
      const name = ns.props.metadata?.name;
      const inNamespace = policies.filter((p) => p.props.metadata?.namespace === name);
      for (const direction of ["Ingress", "Egress"] as const) {
        if (!inNamespace.some((p) => deniesAll(p.props, direction)))
          report(
            `PHI namespace ${name} has no default-deny ${direction.toLowerCase()} NetworkPolicy (podSelector {}, policyTypes [${direction}], no rules)`,
            ns.urn,
          );
      }
    }
  },
};

export const noExposedPhiServices: StackValidationPolicy = {
  name: "no-loadbalancer-nodeport-in-phi-namespaces",
  description:
    "Services in PHI namespaces (Triton's included) are ClusterIP: the ALB reaches the gateway's pods by IP, Triton is reached only from the gateway.",
  enforcementLevel: "mandatory",
  validateStack: ({ resources }, report) => {
    const phi = new Set(
      resources.filter((r) => r.type === NAMESPACE && isPhiNamespace(r)).map((r) => r.props.metadata?.name),
    );
    for (const svc of resources.filter((r) => r.type === SERVICE)) {
      const type = svc.props.spec?.type;
      const tritonLike = svc.props.metadata?.labels?.["app.kubernetes.io/name"] === "triton";
      if ((phi.has(svc.props.metadata?.namespace) || tritonLike) && EXPOSED_SERVICE_TYPES.includes(type))
        report(
          `Service ${svc.props.metadata?.namespace}/${svc.props.metadata?.name} is ${type}; PHI workloads are ClusterIP only`,
          svc.urn,
        );
    }
  },
};

export const noHostAccess: ResourceValidationPolicy = {
  name: "no-privileged-host-path-host-network",
  description:
    "No privileged containers, privilege escalation, host namespaces or hostPath volumes, except the NVIDIA device plugin's socket directory.",
  enforcementLevel: "mandatory",
  validateResource: ({ type, props }, report) => {
    const spec = podSpec(type, props);
    if (spec === undefined) return;
    const meta = props.metadata ?? {};
    const devicePlugin = meta.namespace === DEVICE_PLUGIN.namespace && meta.name === DEVICE_PLUGIN.name;
    for (const field of ["hostNetwork", "hostPID", "hostIPC"])
      if (spec[field] === true) report(`${field}: true`);
    for (const volume of spec.volumes ?? []) {
      if (volume.hostPath === undefined) continue;
      if (!(devicePlugin && volume.hostPath.path === DEVICE_PLUGIN.hostPath))
        report(`hostPath volume ${volume.name} (${volume.hostPath.path})`);
    }
    for (const c of containers(spec)) {
      if (c.securityContext?.privileged === true) report(`container ${c.name} is privileged`);
      if ((c.securityContext?.capabilities?.add ?? []).includes("SYS_ADMIN"))
        report(`container ${c.name} adds SYS_ADMIN`);
    }
  },
};
