/**
 * The nodes Karpenter would launch for a rendered stack. Karpenter is a Helm release (not installed here), so
 * its NodePools are stored but nothing reconciles them; a stack whose managed GPU pool keeps fewer GPUs than
 * Triton's pods need (dev, gpuNodeCount 0) would leave those pods Pending for ever. This gives each GPU
 * NodePool the nodes Karpenter launches for the GPU pods the managed nodes cannot hold, within the NodePool's
 * nvidia.com/gpu limit, shaped by its template (instance type, labels, taints) and its EC2NodeClass's
 * subnets. The pods counted are the Deployments' replicas, or for a Deployment KEDA owns, the floor the
 * cluster harness holds (max(1, minReplicaCount), test/support/k8s/stack-cluster.ts).
 */
import { G4DN_GPUS_PER_INSTANCE } from "../../../components/config/rules";
import type { NodePoolShape } from "./stack-render";

const GPU = "nvidia.com/gpu";
const INSTANCE_TYPE = "node.kubernetes.io/instance-type";

// biome-ignore lint/suspicious/noExplicitAny: manifests are free-form JSON
type Json = any;

const gpusOf = (instanceType: string): number => G4DN_GPUS_PER_INSTANCE[instanceType] ?? 0;

/** GPUs the stack's Deployments ask for at the replica counts the cluster harness runs them with. */
function gpuDemand(manifests: Json[]): number {
  const floors = new Map<string, number>(
    manifests
      .filter((m) => m.kind === "ScaledObject")
      .map((s) => [
        `${s.metadata.namespace}/${s.spec.scaleTargetRef.name}`,
        Math.max(1, s.spec.minReplicaCount ?? 0),
      ]),
  );
  return manifests
    .filter((m) => m.kind === "Deployment")
    .reduce((sum, d) => {
      const perPod = (d.spec.template.spec.containers as Json[]).reduce(
        (n, c) => n + Number(c.resources?.limits?.[GPU] ?? c.resources?.requests?.[GPU] ?? 0),
        0,
      );
      const replicas = d.spec.replicas ?? floors.get(`${d.metadata.namespace}/${d.metadata.name}`) ?? 1;
      return sum + perPod * replicas;
    }, 0);
}

export function karpenterNodePools(
  manifests: Json[],
  managed: NodePoolShape[],
  zoneOf: (subnetId: string) => string,
): NodePoolShape[] {
  let missing =
    gpuDemand(manifests) - managed.reduce((n, p) => n + p.desiredSize * gpusOf(p.instanceType), 0);
  return manifests
    .filter((m) => m.kind === "NodePool" && m.apiVersion === "karpenter.sh/v1")
    .flatMap((pool): NodePoolShape[] => {
      const template = pool.spec.template;
      const types: string[] =
        template.spec.requirements.find((r: Json) => r.key === INSTANCE_TYPE && r.operator === "In")
          ?.values ?? [];
      const [instanceType] = types;
      const perNode = instanceType === undefined ? 0 : gpusOf(instanceType);
      if (!instanceType || types.length > 1 || perNode === 0 || missing <= 0) return [];
      const nodeClass = manifests.find(
        (m) => m.kind === "EC2NodeClass" && m.metadata.name === template.spec.nodeClassRef.name,
      );
      if (!nodeClass) throw new Error(`NodePool ${pool.metadata.name} names no rendered EC2NodeClass`);
      const limitNodes = Math.floor(Number(pool.spec.limits?.[GPU] ?? Number.POSITIVE_INFINITY) / perNode);
      const nodes = Math.min(Math.ceil(missing / perNode), limitNodes);
      missing -= nodes * perNode;
      return [
        {
          name: `karpenter-${pool.metadata.name}`,
          instanceType,
          desiredSize: nodes,
          labels: { ...template.metadata.labels, "karpenter.sh/nodepool": pool.metadata.name },
          taints: template.spec.taints ?? [],
          zones: (nodeClass.spec.subnetSelectorTerms as { id: string }[]).map((t) => zoneOf(t.id)),
        },
      ];
    });
}
