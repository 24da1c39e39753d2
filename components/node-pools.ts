/**
 * Worker capacity: an untainted CPU "system" pool for the gateway and controllers, and a GPU pool of g4dn
 * (NVIDIA T4) instances reserved for Triton by a NoSchedule taint. Both are EKS managed node groups on
 * AL2023 in private subnets, launched from our own launch templates so that IMDSv2 is required with a hop
 * limit of 1 (pods cannot reach the node's instance credentials; they use IRSA) and root volumes are
 * encrypted gp3.
 *
 * The GPU pool may be empty (gpuNodeCount 0, dev): Karpenter then brings every GPU node (components/karpenter.ts)
 * and the managed group only keeps its launch template and settings for a later gpuNodeCount above 0.
 *
 * The GPU pool sets amiType AL2023_x86_64_NVIDIA explicitly: `gpu: true` alone does not select the NVIDIA AMI
 * for managed node groups. CoreDNS is installed here, after the system pool exists, because its pods need
 * untainted nodes to schedule on.
 */
import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as pulumi from "@pulumi/pulumi";
import type { GpuNodePoolConfig, NodePoolConfig } from "./config";

export const GPU_TAINT = { key: "nvidia.com/gpu", value: "true", effect: "NO_SCHEDULE" } as const;
export const GPU_LABEL = { "nvidia.com/gpu.present": "true" } as const;
export const POOL_LABEL_KEY = "clinical.ai/pool";
export const SYSTEM_AMI_TYPE = "AL2023_x86_64_STANDARD";
export const GPU_AMI_TYPE = "AL2023_x86_64_NVIDIA";

export interface NodePoolsArgs {
  cluster: eks.Cluster;
  clusterName: pulumi.Input<string>;
  /** The control plane's minor version: node groups follow it, so an upgrade moves both. */
  kubernetesVersion: string;
  subnetIds: pulumi.Input<string>[];
  system: NodePoolConfig;
  gpu: GpuNodePoolConfig;
  tags: Record<string, string>;
}

const NODE_ROLE_POLICIES = [
  "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
  "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
  "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
];

export class NodePools extends pulumi.ComponentResource {
  readonly nodeRoleArn: pulumi.Output<string>;
  readonly systemPool: eks.ManagedNodeGroup;
  readonly gpuPool: eks.ManagedNodeGroup;
  readonly coreDns: aws.eks.Addon;
  /** Resource metrics for the gateway's HorizontalPodAutoscaler; without it the HPA never scales. */
  readonly metricsServer: aws.eks.Addon;

  constructor(name: string, args: NodePoolsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("clinical:aws:NodePools", name, {}, opts);
    const parent = { parent: this };
    const { tags } = args;

    const nodeRole = new aws.iam.Role(
      `${name}-node`,
      {
        description: "EKS worker nodes (system and GPU pools)",
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
          ],
        }),
        tags,
      },
      parent,
    );
    const attachments = NODE_ROLE_POLICIES.map(
      (policyArn) =>
        new aws.iam.RolePolicyAttachment(
          `${name}-node-${policyArn.split("/").pop()}`,
          { role: nodeRole.name, policyArn },
          parent,
        ),
    );

    const launchTemplate = (pool: string, pc: NodePoolConfig) =>
      new aws.ec2.LaunchTemplate(
        `${name}-${pool}`,
        {
          description: `EKS ${pool} pool: IMDSv2 only, encrypted root volume`,
          metadataOptions: {
            httpEndpoint: "enabled",
            httpTokens: "required",
            // 1 hop: the node itself can reach IMDS, containers behind the pod network cannot.
            httpPutResponseHopLimit: 1,
          },
          blockDeviceMappings: [
            {
              deviceName: "/dev/xvda",
              ebs: {
                volumeSize: pc.diskSizeGiB,
                volumeType: "gp3",
                encrypted: "true",
                deleteOnTermination: "true",
              },
            },
          ],
          tagSpecifications: [{ resourceType: "instance", tags: { ...tags, Name: `${name}-${pool}` } }],
          updateDefaultVersion: true,
          tags,
        },
        parent,
      );

    const managedGroup = (
      pool: string,
      pc: NodePoolConfig,
      amiType: string,
      labels: Record<string, string>,
      taints: aws.types.input.eks.NodeGroupTaint[],
    ) => {
      const lt = launchTemplate(pool, pc);
      return new eks.ManagedNodeGroup(
        `${name}-${pool}`,
        {
          cluster: args.cluster,
          nodeRole,
          amiType,
          // Without it pulumi-eks leaves the group on the version it was created with (launch templates
          // carry no AMI), so bumping kubernetesVersion would upgrade the control plane alone.
          version: args.kubernetesVersion,
          instanceTypes: [pc.instanceType],
          capacityType: "ON_DEMAND",
          scalingConfig: { minSize: pc.minCount, desiredSize: pc.desiredCount, maxSize: pc.maxCount },
          subnetIds: args.subnetIds,
          launchTemplate: { id: lt.id, version: lt.latestVersion.apply((v) => String(v)) },
          labels: { [POOL_LABEL_KEY]: pool, ...labels },
          taints,
          tags,
        },
        { parent: this, dependsOn: attachments },
      );
    };

    this.systemPool = managedGroup("system", args.system, SYSTEM_AMI_TYPE, {}, []);
    this.gpuPool = managedGroup("gpu", args.gpu, GPU_AMI_TYPE, { ...GPU_LABEL }, [{ ...GPU_TAINT }]);

    this.coreDns = new aws.eks.Addon(
      `${name}-coredns`,
      {
        clusterName: args.clusterName,
        addonName: "coredns",
        resolveConflictsOnCreate: "OVERWRITE",
        resolveConflictsOnUpdate: "OVERWRITE",
        configurationValues: JSON.stringify({ replicaCount: 2 }),
        tags,
      },
      { parent: this, dependsOn: [this.systemPool] },
    );

    this.metricsServer = new aws.eks.Addon(
      `${name}-metrics-server`,
      {
        clusterName: args.clusterName,
        addonName: "metrics-server",
        resolveConflictsOnCreate: "OVERWRITE",
        resolveConflictsOnUpdate: "OVERWRITE",
        tags,
      },
      { parent: this, dependsOn: [this.systemPool] },
    );

    this.nodeRoleArn = nodeRole.arn;
    this.registerOutputs({ nodeRoleArn: this.nodeRoleArn });
  }
}
