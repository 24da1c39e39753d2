/**
 * GPU nodes that follow the pods: Karpenter (pinned chart) launches a g4dn node when a Triton pod is Pending
 * for want of a GPU, and removes a GPU node once it has been empty for gpuNodeIdleMinutes. It adds capacity
 * above the managed GPU pool (which keeps gpuNodeCount nodes) up to gpuNodeMaxCount nodes in all; with
 * gpuNodeCount 0 (dev) every GPU node is Karpenter's, so a Triton at zero leaves no GPU billed.
 *
 * Chosen over Cluster Autoscaler: it provisions from the pending pod's requirements in about a minute without
 * a node group per shape, removes empty nodes on its own timer, and handles Spot/maintenance interruptions
 * from an SQS queue fed by EventBridge (docs/operations.md). Nodes it launches get the same guarantees as the
 * managed pools: IMDSv2 with hop limit 1, encrypted gp3 root volume, the GPU taint and label, the NVIDIA AMI.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { GpuCapacityConfig } from "./config/gpu-capacity";
import type { GpuNodePoolConfig } from "./config/types";
import { serviceAccountTrustPolicy } from "./irsa";
import { karpenterControllerPolicy } from "./karpenter-iam";
import { GPU_LABEL, GPU_TAINT, POOL_LABEL_KEY } from "./node-pools";

export const KARPENTER_CHART = "oci://public.ecr.aws/karpenter/karpenter";
export const KARPENTER_NAMESPACE = "kube-system";
export const KARPENTER_SERVICE_ACCOUNT = "karpenter";
export const GPU_NODE_POOL = "gpu";

/** EventBridge events Karpenter acts on before AWS takes a node away. */
export const INTERRUPTION_EVENTS: Readonly<Record<string, { source: string[]; "detail-type": string[] }>> = {
  "scheduled-change": { source: ["aws.health"], "detail-type": ["AWS Health Event"] },
  "spot-interruption": { source: ["aws.ec2"], "detail-type": ["EC2 Spot Instance Interruption Warning"] },
  rebalance: { source: ["aws.ec2"], "detail-type": ["EC2 Instance Rebalance Recommendation"] },
  "instance-state-change": { source: ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"] },
};

export interface KarpenterArgs {
  provider: k8s.Provider;
  config: GpuCapacityConfig;
  gpu: GpuNodePoolConfig;
  clusterName: pulumi.Input<string>;
  clusterEndpoint?: pulumi.Input<string>;
  clusterSecurityGroupId: pulumi.Input<string>;
  privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  nodeRoleArn: pulumi.Input<string>;
  oidcProviderArn: pulumi.Input<string>;
  oidcIssuer: pulumi.Input<string>;
  region: string;
  replicas: number;
  tags: Record<string, string>;
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** GPUs Karpenter may add: what the pool may grow to, less what the managed GPU pool always keeps. */
export function karpenterGpuLimit(gpu: GpuNodePoolConfig): number {
  return Math.max(0, gpu.maxCount - gpu.desiredCount) * gpu.gpusPerNode;
}

export function gpuNodePoolSpec(config: GpuCapacityConfig, gpu: GpuNodePoolConfig) {
  return {
    template: {
      metadata: { labels: { [POOL_LABEL_KEY]: GPU_NODE_POOL, ...GPU_LABEL } },
      spec: {
        nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: GPU_NODE_POOL },
        taints: [{ key: GPU_TAINT.key, value: GPU_TAINT.value, effect: "NoSchedule" }],
        requirements: [
          { key: "node.kubernetes.io/instance-type", operator: "In", values: [gpu.instanceType] },
          { key: "karpenter.sh/capacity-type", operator: "In", values: [config.capacityType] },
          { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
        ],
        // Nodes are replaced monthly to pick up the pinned AMI's successors once the alias is bumped.
        expireAfter: "720h",
      },
    },
    limits: { "nvidia.com/gpu": String(karpenterGpuLimit(gpu)) },
    disruption: {
      // Only empty nodes go: consolidating a busy GPU node would restart Triton for a few cents.
      consolidationPolicy: "WhenEmpty",
      consolidateAfter: `${config.idleMinutes}m`,
      budgets: [{ nodes: "1" }],
    },
  };
}

export function gpuNodeClassSpec(
  config: GpuCapacityConfig,
  gpu: GpuNodePoolConfig,
  refs: { role: string; subnetIds: string[]; securityGroupId: string; tags: Record<string, string> },
) {
  return {
    role: refs.role,
    amiSelectorTerms: [{ alias: config.amiAlias }],
    subnetSelectorTerms: refs.subnetIds.map((id) => ({ id })),
    securityGroupSelectorTerms: [{ id: refs.securityGroupId }],
    metadataOptions: {
      httpEndpoint: "enabled",
      httpTokens: "required",
      httpPutResponseHopLimit: 1,
      httpProtocolIPv6: "disabled",
    },
    blockDeviceMappings: [
      {
        deviceName: "/dev/xvda",
        ebs: {
          volumeSize: `${gpu.diskSizeGiB}Gi`,
          volumeType: "gp3",
          encrypted: true,
          deleteOnTermination: true,
        },
      },
    ],
    tags: refs.tags,
  };
}

export class Karpenter extends pulumi.ComponentResource {
  readonly queueName: pulumi.Output<string>;
  readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: KarpenterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("clinical:aws:Karpenter", name, {}, opts);
    const parent = { parent: this };
    const { tags } = args;
    const queue = new aws.sqs.Queue(
      `${name}-interruptions`,
      { messageRetentionSeconds: 300, sqsManagedSseEnabled: true, tags },
      parent,
    );
    new aws.sqs.QueuePolicy(
      `${name}-interruptions`,
      {
        queueUrl: queue.url,
        policy: queue.arn.apply((arn) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "EventBridge",
                Effect: "Allow",
                Principal: { Service: ["events.amazonaws.com", "sqs.amazonaws.com"] },
                Action: "sqs:SendMessage",
                Resource: arn,
              },
              {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "sqs:*",
                Resource: arn,
                Condition: { Bool: { "aws:SecureTransport": "false" } },
              },
            ],
          }),
        ),
      },
      parent,
    );
    for (const [event, pattern] of Object.entries(INTERRUPTION_EVENTS)) {
      const rule = new aws.cloudwatch.EventRule(
        `${name}-${event}`,
        {
          description: `Karpenter interruption handling: ${event}`,
          eventPattern: JSON.stringify(pattern),
          tags,
        },
        parent,
      );
      new aws.cloudwatch.EventTarget(`${name}-${event}`, { rule: rule.name, arn: queue.arn }, parent);
    }

    const identity = aws.getCallerIdentityOutput({}, parent);
    const partition = aws.getPartitionOutput({}, parent).partition;
    const role = new aws.iam.Role(
      `${name}-controller`,
      {
        description: "Karpenter controller (IRSA: kube-system/karpenter only)",
        assumeRolePolicy: serviceAccountTrustPolicy({
          oidcProviderArn: args.oidcProviderArn,
          oidcIssuer: args.oidcIssuer,
          namespace: KARPENTER_NAMESPACE,
          serviceAccount: KARPENTER_SERVICE_ACCOUNT,
        }),
        tags,
      },
      parent,
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-controller`,
      {
        role: role.name,
        policy: pulumi
          .all([partition, identity.accountId, args.clusterName, queue.arn, args.nodeRoleArn])
          .apply(([p, accountId, clusterName, queueArn, nodeRoleArn]) =>
            karpenterControllerPolicy({
              partition: p,
              region: args.region,
              accountId,
              clusterName,
              clusterArn: `arn:${p}:eks:${args.region}:${accountId}:cluster/${clusterName}`,
              queueArn,
              nodeRoleArn,
            }),
          ),
      },
      parent,
    );

    const child = { parent: this, provider: args.provider };
    const release = new k8s.helm.v3.Release(
      `${name}-release`,
      {
        name: "karpenter",
        chart: KARPENTER_CHART,
        version: args.config.karpenterChartVersion,
        namespace: KARPENTER_NAMESPACE,
        values: {
          replicas: args.replicas,
          settings: { clusterName: args.clusterName, interruptionQueue: queue.name },
          serviceAccount: {
            name: KARPENTER_SERVICE_ACCOUNT,
            annotations: { "eks.amazonaws.com/role-arn": role.arn },
          },
          // Never on a node it manages: it would be evicting itself.
          nodeSelector: { [POOL_LABEL_KEY]: "system" },
        },
      },
      { ...child, dependsOn: [policy, ...(args.dependsOn ?? [])] },
    );
    const nodeRoleName = pulumi.output(args.nodeRoleArn).apply((arn) => arn.split("/").pop() ?? arn);
    const nodeClass = new k8s.apiextensions.CustomResource(
      `${name}-gpu-node-class`,
      {
        apiVersion: "karpenter.k8s.aws/v1",
        kind: "EC2NodeClass",
        metadata: { name: GPU_NODE_POOL },
        spec: pulumi
          .all([nodeRoleName, args.privateSubnetIds, args.clusterSecurityGroupId])
          .apply(([role, subnetIds, securityGroupId]) =>
            gpuNodeClassSpec(args.config, args.gpu, { role, subnetIds, securityGroupId, tags }),
          ),
      },
      { ...child, dependsOn: [release] },
    );
    new k8s.apiextensions.CustomResource(
      `${name}-gpu-node-pool`,
      {
        apiVersion: "karpenter.sh/v1",
        kind: "NodePool",
        metadata: { name: GPU_NODE_POOL },
        spec: gpuNodePoolSpec(args.config, args.gpu),
      },
      { ...child, dependsOn: [nodeClass] },
    );
    this.queueName = queue.name;
    this.roleArn = role.arn;
    this.registerOutputs({ queueName: this.queueName, roleArn: this.roleArn });
  }
}
