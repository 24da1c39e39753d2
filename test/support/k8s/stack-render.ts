/**
 * Everything the Pulumi program (index.ts) registers for a committed stack file, rendered under the mock
 * engine: the Kubernetes objects exactly as the provider would send them (secrets unwrapped), the Helm
 * releases it installs (which need Helm and are not applied here), and the node pools it asks EKS for, with
 * the zones of their subnets. Dev gets a gateway image tag so the workload layer exists; prod gets the keys
 * an operator must set (PROD_REQUIRED) and a model artifact, as `pulumi up -s prod` demands.
 */
import type { ConfigValue } from "../pulumi-mocks";
import { makeModelRepo, PROD_REQUIRED, runProgram } from "../stacks";
import { plainManifest } from "../workloads-schema";
import { karpenterNodePools } from "./karpenter-nodes";

export type StackName = "dev" | "prod";

export const GATEWAY_IMAGE_TAG = PROD_REQUIRED.gatewayImageTag;

export interface NodePoolShape {
  /** The node group's logical name, e.g. "nodes-gpu". */
  name: string;
  instanceType: string;
  desiredSize: number;
  labels: Record<string, string>;
  /** Taints in Kubernetes spelling (NoSchedule), converted from the EKS API's (NO_SCHEDULE). */
  taints: { key: string; value?: string; effect: string }[];
  /** Zones of the node group's subnets, in subnet order. */
  zones: string[];
}

/** A Helm release the program installs: not applied here, but the namespace it creates is the stack's. */
export interface HelmReleaseShape {
  name: string;
  namespace: string;
  /** Helm's createNamespace: the release creates its namespace (a plain one, no labels) before its objects. */
  createNamespace: boolean;
}

export interface RenderedStack {
  stack: StackName;
  region: string;
  // biome-ignore lint/suspicious/noExplicitAny: manifests are free-form JSON
  manifests: any[];
  helmReleases: HelmReleaseShape[];
  nodePools: NodePoolShape[];
}

const EKS_TAINT_EFFECTS: Readonly<Record<string, string>> = {
  NO_SCHEDULE: "NoSchedule",
  NO_EXECUTE: "NoExecute",
  PREFER_NO_SCHEDULE: "PreferNoSchedule",
};

/**
 * The mock engine names a subnet "<logical name>-id"; AWS names it subnet-<hex>, and a CRD may hold the
 * stack to that (Karpenter's EC2NodeClass validates subnetSelectorTerms[].id against subnet-[0-9a-z]+). Each
 * mock subnet id in a manifest becomes a distinct AWS-shaped one, so the real schema judges the real shape.
 */
// biome-ignore lint/suspicious/noExplicitAny: manifests are free-form JSON
function awsShapedIds(manifest: any, subnets: { id: string }[]): any {
  const ids = new Map(subnets.map((s, i) => [s.id, `subnet-${i.toString(16).padStart(17, "0")}`]));
  return JSON.parse(JSON.stringify(manifest), (_key, value) =>
    typeof value === "string" ? (ids.get(value) ?? value) : value,
  );
}

/** Renders `stack` from its committed stack file, plus `overrides` (bare keys, as in the stack file). */
export async function renderStack(
  stack: StackName,
  overrides: Record<string, ConfigValue> = {},
): Promise<RenderedStack> {
  const repo = makeModelRepo();
  try {
    const required = stack === "prod" ? PROD_REQUIRED : { gatewayImageTag: GATEWAY_IMAGE_TAG };
    const { mocked, outputs } = await runProgram(stack, {
      ...required,
      modelRepositoryPath: repo.root,
      ...overrides,
    });
    const kubernetes = mocked.resources.filter((r) => r.type.startsWith("kubernetes:"));
    const subnets = mocked.byType("aws:ec2/subnet:Subnet");
    const zoneOf = (subnetId: string): string => {
      const subnet = subnets.find((s) => s.id === subnetId);
      if (!subnet)
        throw new Error(`${stack}: node group subnet ${subnetId} is not a subnet the stack created`);
      return subnet.inputs.availabilityZone;
    };
    const nodePools = mocked.byType("eks:index:ManagedNodeGroup").map((group): NodePoolShape => {
      const [instanceType, ...others] = group.inputs.instanceTypes ?? [];
      if (!instanceType || others.length > 0) {
        throw new Error(`${stack}: node group ${group.name} must name exactly one instance type`);
      }
      return {
        name: group.name,
        instanceType,
        desiredSize: Number(group.inputs.scalingConfig.desiredSize),
        labels: group.inputs.labels ?? {},
        taints: (group.inputs.taints ?? []).map((t: { key: string; value?: string; effect: string }) => {
          const effect = EKS_TAINT_EFFECTS[t.effect];
          if (!effect)
            throw new Error(`${stack}: node group ${group.name} has an unknown taint effect ${t.effect}`);
          return { key: t.key, value: t.value, effect };
        }),
        zones: (group.inputs.subnetIds as string[]).map(zoneOf),
      };
    });
    const plain = kubernetes
      .filter((r) => r.type !== "kubernetes:helm.sh/v3:Release")
      .map((r) => plainManifest(r.inputs));
    return {
      stack,
      region: await Promise.resolve(outputs.region),
      manifests: plain.map((m) => awsShapedIds(m, subnets)),
      helmReleases: kubernetes
        .filter((r) => r.type === "kubernetes:helm.sh/v3:Release")
        .map(
          (r): HelmReleaseShape => ({
            name: r.inputs.name ?? r.name,
            namespace: r.inputs.namespace ?? "default",
            createNamespace: r.inputs.createNamespace === true,
          }),
        ),
      // Karpenter is not installed: the nodes it would launch for GPU pods the managed pools cannot hold.
      nodePools: [...nodePools, ...karpenterNodePools(plain, nodePools, zoneOf)],
    };
  } finally {
    repo.cleanup();
  }
}
