/**
 * components/config.ts: every validation rule for the AWS layer (network, cluster, node pools, registry, KMS,
 * bucket, region, environment) rejects bad input with a message that names the key and the command that fixes it.
 */

import { configError, type Overrides } from "./support/load-stack-config";

describe("validation names the key and the fix", () => {
  test("the error for too few GPU nodes in prod is a ready-to-run command", async () => {
    expect(await configError("prod", { gpuNodeCount: 1 })).toContain(
      "clinical-inference-platform:gpuNodeCount must be >= 2 in prod, got 1; set it with: pulumi config set gpuNodeCount 2 -s prod",
    );
  });

  test("every problem is reported in one error", async () => {
    const message = await configError("prod", { gpuNodeCount: 1, natGateways: "single", maxBatchSize: 99 });
    expect(message).toMatch(/gpuNodeCount/);
    expect(message).toMatch(/natGateways/);
    expect(message).toMatch(/maxBatchSize/);
  });

  test.each<[string, string, Overrides, RegExp]>([
    [
      "prod",
      "fewer than 3 availability zones in prod",
      { availabilityZoneCount: 2 },
      /:availabilityZoneCount must be >= 3 in prod/,
    ],
    ["prod", "a single NAT gateway in prod", { natGateways: "single" }, /:natGateways must be perAz in prod/],
    ["dev", "an unknown NAT strategy", { natGateways: "two" }, /:natGateways must be one of single, perAz/],
    [
      "dev",
      "a log retention CloudWatch does not offer",
      { logRetentionDays: 10 },
      /:logRetentionDays must be a CloudWatch Logs retention period/,
    ],
    [
      "prod",
      "logs kept less than a year in prod",
      { logRetentionDays: 90 },
      /:logRetentionDays must be >= 365 in prod/,
    ],
    ["dev", "a VPC CIDR that is not a /16", { vpcCidr: "10.0.0.0/8" }, /:vpcCidr must be an IPv4 \/16/],
    [
      "dev",
      "an unpinned Kubernetes version",
      { kubernetesVersion: "latest" },
      /:kubernetesVersion must be a pinned EKS minor/,
    ],
    [
      "prod",
      "a public prod endpoint open to the internet",
      { clusterEndpointPublicAccess: true, clusterPublicAccessCidrs: ["0.0.0.0/0"] },
      /:clusterPublicAccessCidrs must not contain 0\.0\.0\.0\/0 in prod/,
    ],
    [
      "prod",
      "a public prod endpoint without allowed CIDRs",
      { clusterEndpointPublicAccess: true },
      /:clusterPublicAccessCidrs must list the networks allowed/,
    ],
    [
      "dev",
      "a malformed CIDR",
      { clusterPublicAccessCidrs: ["10.0.0.0"] },
      /:clusterPublicAccessCidrs contains "10\.0\.0\.0"/,
    ],
    [
      "dev",
      "an admin that is not an IAM ARN",
      { clusterAdminPrincipalArns: ["alice"] },
      /:clusterAdminPrincipalArns contains "alice"/,
    ],
    [
      "prod",
      "deletion protection off in prod",
      { deletionProtection: false },
      /:deletionProtection must be true in prod/,
    ],
    [
      "dev",
      "a non-T4 GPU instance type",
      { gpuInstanceType: "p3.2xlarge" },
      /:gpuInstanceType must be a g4dn \(NVIDIA T4\) type/,
    ],
    [
      "dev",
      "a GPU node count that is not a number",
      { gpuNodeCount: "two" },
      /:gpuNodeCount must be a whole number, got "two"/,
    ],
    ["dev", "a negative GPU node count", { gpuNodeCount: -1 }, /:gpuNodeCount must be between 0 and 20/],
    ["prod", "too few GPU nodes in prod", { gpuNodeCount: 1 }, /:gpuNodeCount must be >= 2 in prod/],
    [
      "dev",
      "a GPU maximum below the desired count",
      { gpuNodeCount: 2, gpuNodeMaxCount: 1 },
      /:gpuNodeMaxCount must be >= gpuNodeCount/,
    ],
    [
      "dev",
      "a GPU instance type as the system pool",
      { systemNodeInstanceType: "g4dn.xlarge" },
      /:systemNodeInstanceType must be a CPU/,
    ],
    ["prod", "a single system node in prod", { systemNodeCount: 1 }, /:systemNodeCount must be >= 2 in prod/],
    [
      "dev",
      "an unpinned device plugin",
      { devicePluginVersion: "latest" },
      /:devicePluginVersion must be a pinned release tag/,
    ],
    [
      "dev",
      "an ECR retention of zero images",
      { ecrKeepLastImages: 0 },
      /:ecrKeepLastImages must be between 1 and 1000/,
    ],
    [
      "dev",
      "a KMS deletion window outside AWS's 7-30 days",
      { kmsDeletionWindowDays: 3 },
      /:kmsDeletionWindowDays must be between 7 and 30/,
    ],
    [
      "dev",
      "a model bucket prefix with slashes at the ends",
      { modelBucketPrefix: "/models/" },
      /:modelBucketPrefix must be a relative S3 key prefix/,
    ],
    [
      "dev",
      "a list key that is not a list",
      { clusterPublicAccessCidrs: "203.0.113.0/24" },
      /:clusterPublicAccessCidrs must be a JSON\/YAML list/,
    ],
  ])("%s stack rejects %s", async (stack, _behaviour, overrides, expected) => {
    const message = await configError(stack, overrides);
    expect(message).toMatch(expected);
    expect(message).toMatch(/set it with: pulumi config set /);
  });

  test("a missing AWS region names aws:region", async () => {
    expect(await configError("dev", { "aws:region": undefined })).toContain(
      "aws:region is required; set it with: pulumi config set aws:region us-east-1 -s dev",
    );
  });

  test("a stack that is neither dev nor prod must say which environment it is", async () => {
    expect(await configError("staging", { "aws:region": "us-east-1", allowInsecureHttp: true })).toContain(
      'clinical-inference-platform:environment is required for stack "staging" (dev or prod)',
    );
  });

  test("an unknown environment is rejected", async () => {
    expect(await configError("dev", { environment: "qa" })).toContain(
      'clinical-inference-platform:environment must be one of dev, prod, got "qa"',
    );
  });
});
