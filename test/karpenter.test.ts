/**
 * Karpenter's GPU capacity: the NodePool and EC2NodeClass (schema-validated against Karpenter's v1 CRD
 * models), the GPU limit above the managed pool, and the controller's IAM scope.
 */
import type { GpuCapacityConfig } from "../components/config/gpu-capacity";
import { gpuNodeClassSpec, gpuNodePoolSpec, karpenterGpuLimit } from "../components/karpenter";
import { karpenterControllerPolicy } from "../components/karpenter-iam";
import { GPU, schemaErrors } from "./support/elastic-fixtures";

describe("Karpenter GPU capacity", () => {
  const config: GpuCapacityConfig = {
    karpenterChartVersion: "1.8.1",
    amiAlias: "al2023@v20251023",
    idleMinutes: 10,
    capacityType: "on-demand",
  };
  const refs = {
    role: "nodes-role",
    subnetIds: ["subnet-a", "subnet-b"],
    securityGroupId: "sg-cluster",
    tags: { project: "p" },
  };

  test("the GPU NodePool and EC2NodeClass are valid against Karpenter's v1 CRD schemas", () => {
    const pool = {
      apiVersion: "karpenter.sh/v1",
      kind: "NodePool",
      metadata: { name: "gpu" },
      spec: gpuNodePoolSpec(config, GPU),
    };
    const nodeClass = {
      apiVersion: "karpenter.k8s.aws/v1",
      kind: "EC2NodeClass",
      metadata: { name: "gpu" },
      spec: gpuNodeClassSpec(config, GPU, refs),
    };
    expect(schemaErrors(pool, nodeClass)).toEqual([]);
  });

  test("the schema check rejects a NodePool without a node class", () => {
    const spec = gpuNodePoolSpec(config, GPU);
    const broken = {
      ...spec,
      template: { ...spec.template, spec: { ...spec.template.spec, nodeClassRef: undefined } },
    };
    expect(
      schemaErrors({
        apiVersion: "karpenter.sh/v1",
        kind: "NodePool",
        metadata: { name: "gpu" },
        spec: broken,
      }),
    ).not.toEqual([]);
  });

  test("GPU nodes carry the taint and label Triton tolerates and selects", () => {
    const template = gpuNodePoolSpec(config, GPU).template;
    expect(template.spec.taints).toEqual([{ key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" }]);
    expect(template.metadata.labels).toMatchObject({ "nvidia.com/gpu.present": "true" });
    expect(template.spec.requirements).toContainEqual({
      key: "node.kubernetes.io/instance-type",
      operator: "In",
      values: ["g4dn.xlarge"],
    });
  });

  test("an empty GPU node leaves after the configured idle time, one node at a time", () => {
    expect(gpuNodePoolSpec({ ...config, idleMinutes: 25 }, GPU).disruption).toEqual({
      consolidationPolicy: "WhenEmpty",
      consolidateAfter: "25m",
      budgets: [{ nodes: "1" }],
    });
  });

  test("Karpenter may add only the GPUs above the managed pool, up to gpuNodeMaxCount", () => {
    expect(karpenterGpuLimit(GPU)).toBe(2);
    expect(karpenterGpuLimit({ ...GPU, instanceType: "g4dn.12xlarge", gpusPerNode: 4, maxCount: 2 })).toBe(4);
    expect(gpuNodePoolSpec(config, GPU).limits).toEqual({ "nvidia.com/gpu": "2" });
  });

  test("GPU nodes require IMDSv2 with one hop and boot from an encrypted gp3 volume on the pinned NVIDIA-capable AMI", () => {
    const spec = gpuNodeClassSpec(config, GPU, refs);
    expect(spec.metadataOptions).toMatchObject({ httpTokens: "required", httpPutResponseHopLimit: 1 });
    expect(spec.blockDeviceMappings[0]?.ebs).toMatchObject({
      encrypted: true,
      volumeType: "gp3",
      volumeSize: "100Gi",
    });
    expect(spec.amiSelectorTerms).toEqual([{ alias: "al2023@v20251023" }]);
  });

  test("the controller may pass only the node role, and only to EC2", () => {
    const doc = JSON.parse(
      karpenterControllerPolicy({
        partition: "aws",
        region: "us-east-1",
        accountId: "123456789012",
        clusterName: "c",
        clusterArn: "arn:aws:eks:us-east-1:123456789012:cluster/c",
        queueArn: "arn:aws:sqs:us-east-1:123456789012:q",
        nodeRoleArn: "arn:aws:iam::123456789012:role/nodes",
      }),
    );
    const passRole = doc.Statement.filter((s: { Action: string | string[] }) =>
      [s.Action].flat().includes("iam:PassRole"),
    );
    expect(passRole).toEqual([
      expect.objectContaining({
        Resource: "arn:aws:iam::123456789012:role/nodes",
        Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } },
      }),
    ]);
    const terminate = doc.Statement.find((s: { Sid: string }) => s.Sid === "DeleteOwned");
    expect(terminate.Condition.StringEquals).toEqual({ "aws:ResourceTag/kubernetes.io/cluster/c": "owned" });
  });
});
