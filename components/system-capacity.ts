/**
 * How many gateway pods the system node pool holds. Nothing adds system nodes (Karpenter has a GPU NodePool
 * only, and no cluster autoscaler runs), so an HPA maximum above this would leave pods Pending exactly when
 * load is highest; config refuses it. The GPU side's rule is in components/config/autoscaling.ts.
 *
 * Allocatable CPU follows the EKS AMI's kube-reserved formula; from it we take what every system node
 * already runs (the aws-node and kube-proxy DaemonSets) and, once across the pool, the cluster add-ons that
 * live there (two CoreDNS replicas and metrics-server). Pure, so config and tests use the same numbers.
 */

/** The gateway container's CPU request in millicores (components/gateway.ts requests exactly this). */
export const GATEWAY_CPU_REQUEST_MILLICORES = 500;

/** Requests of the EKS-managed DaemonSets on every node: aws-node (VPC CNI) 25m, kube-proxy 100m. */
export const PER_NODE_DAEMONSET_MILLICORES = 125;

/** Requests of the add-ons scheduled once on the system pool: CoreDNS 2 x 100m, metrics-server 100m. */
export const SYSTEM_ADDON_MILLICORES = 300;

/** kube-reserved CPU of the EKS AMI: 6% of the first core, 1% of the second, 0.5% of the next two, 0.25% above. */
export function kubeReservedMillicores(vcpus: number): number {
  const tiers = [60, 10, 5, 5];
  let reserved = 0;
  for (let core = 0; core < vcpus; core++) reserved += tiers[core] ?? 2.5;
  return Math.ceil(reserved);
}

/**
 * vCPUs of an EC2 general-purpose/compute/memory size (large = 2, xlarge = 4, Nxlarge = 4N); undefined for
 * sizes whose count differs between families (nano..medium, metal), where no capacity rule is applied.
 */
export function vcpusOf(instanceType: string): number | undefined {
  const size = instanceType.split(".")[1] ?? "";
  if (size === "large") return 2;
  const match = /^(\d*)xlarge$/.exec(size);
  if (!match) return undefined;
  return 4 * Number(match[1] || "1");
}

/** Gateway pods `nodeCount` nodes of `instanceType` hold next to the add-ons; undefined when the size is unknown. */
export function gatewayPodsSystemNodesHold(instanceType: string, nodeCount: number): number | undefined {
  const vcpus = vcpusOf(instanceType);
  if (vcpus === undefined) return undefined;
  const free = vcpus * 1000 - kubeReservedMillicores(vcpus) - PER_NODE_DAEMONSET_MILLICORES;
  let pods = nodeCount * Math.floor(free / GATEWAY_CPU_REQUEST_MILLICORES);
  while (pods > 0 && nodeCount * free - pods * GATEWAY_CPU_REQUEST_MILLICORES < SYSTEM_ADDON_MILLICORES)
    pods--;
  return pods;
}
