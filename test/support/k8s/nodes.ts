/**
 * Simulated nodes shaped like the node pools the stack asks EKS for: the pool's instance type (capacity and
 * EKS allocatable from instance-types.ts, nvidia.com/gpu for g4dn), its labels and taints exactly as the node
 * group declares them, the well-known labels the kubelet and EKS add, and zones assigned round-robin over the
 * group's subnets, as the Auto Scaling group balances them. kwok keeps them Ready and plays their kubelet.
 */
import { KWOK_NODE_ANNOTATION } from "./control-plane";
import { nodeResources } from "./instance-types";
import type { Kubectl } from "./kubectl";
import type { NodePoolShape } from "./stack-render";

export interface SimulatedNode {
  name: string;
  pool: string;
  zone: string;
  instanceType: string;
  // biome-ignore lint/suspicious/noExplicitAny: Node JSON
  manifest: any;
  resources: ReturnType<typeof nodeResources>;
}

export function simulatedNodes(pools: NodePoolShape[], region: string): SimulatedNode[] {
  return pools.flatMap((pool) =>
    Array.from({ length: pool.desiredSize }, (_, i): SimulatedNode => {
      const zone = pool.zones[i % pool.zones.length];
      if (zone === undefined) throw new Error(`node group ${pool.name} has no subnets`);
      const name = `${pool.name}-${i}`;
      return {
        name,
        pool: pool.name,
        zone,
        instanceType: pool.instanceType,
        resources: nodeResources(pool.instanceType),
        manifest: {
          apiVersion: "v1",
          kind: "Node",
          metadata: {
            name,
            annotations: { [KWOK_NODE_ANNOTATION.key]: KWOK_NODE_ANNOTATION.value },
            labels: {
              "kubernetes.io/hostname": name,
              "kubernetes.io/os": "linux",
              "kubernetes.io/arch": "amd64",
              "node.kubernetes.io/instance-type": pool.instanceType,
              "topology.kubernetes.io/region": region,
              "topology.kubernetes.io/zone": zone,
              "eks.amazonaws.com/nodegroup": pool.name,
              "eks.amazonaws.com/capacityType": "ON_DEMAND",
              ...pool.labels,
            },
          },
          spec: { taints: pool.taints },
        },
      };
    }),
  );
}

/** Registers the nodes with their capacity, as a kubelet would, before kwok marks them Ready. */
export async function registerNodes(kubectl: Kubectl, nodes: SimulatedNode[]): Promise<void> {
  await kubectl.run(
    ["create", "-f", "-"],
    JSON.stringify({ apiVersion: "v1", kind: "List", items: nodes.map((n) => n.manifest) }),
  );
  for (const node of nodes) {
    await kubectl.run([
      "patch",
      "node",
      node.name,
      "--subresource=status",
      "--type=merge",
      "-p",
      JSON.stringify({ status: node.resources }),
    ]);
  }
}
