/**
 * components/config.ts: the committed stack files load into the intended shape, and every validation rule
 * rejects bad input with a message that names the key and the command that fixes it.
 */

import { loadConfig, type StackConfig, StackConfigError } from "../components/config";
import { type ConfigValue, installPulumiMocks, isSecretOutput, outputValue } from "./support/pulumi-mocks";
import { stackFileConfig } from "./support/stack-files";
import { PROD_REQUIRED } from "./support/stacks";

type Overrides = Record<string, ConfigValue | undefined>;

function stackConfig(stack: string, overrides: Overrides): Record<string, ConfigValue> {
  const base: Record<string, ConfigValue> =
    stack === "prod"
      ? { ...stackFileConfig("prod"), ...PROD_REQUIRED }
      : stack === "dev"
        ? stackFileConfig("dev")
        : {};
  const merged: Record<string, ConfigValue | undefined> = { ...base, ...overrides };
  return Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as Record<
    string,
    ConfigValue
  >;
}

async function load(
  stack: string,
  overrides: Overrides = {},
  secretKeys: string[] = [],
): Promise<StackConfig> {
  await installPulumiMocks({ stack, config: stackConfig(stack, overrides), secretKeys });
  return loadConfig();
}

/** The StackConfigError message loadConfig throws; fails the test if it does not throw one. */
async function configError(stack: string, overrides: Overrides = {}): Promise<string> {
  try {
    await load(stack, overrides);
  } catch (error) {
    expect(error).toBeInstanceOf(StackConfigError);
    return (error as Error).message;
  }
  throw new Error(`expected loadConfig to reject ${JSON.stringify(overrides)} on ${stack}`);
}

describe("the committed dev stack file", () => {
  test("spreads the VPC over 2 availability zones behind a single NAT gateway", async () => {
    const config = await load("dev");
    expect(config.network).toEqual({
      vpcCidr: "10.40.0.0/16",
      availabilityZoneCount: 2,
      natGateways: "single",
      flowLogRetentionDays: 30,
    });
    expect(config.cluster.logRetentionDays).toBe(30);
  });

  test("runs one g4dn.xlarge GPU node", async () => {
    const config = await load("dev");
    expect(config.gpuNodes).toMatchObject({
      instanceType: "g4dn.xlarge",
      desiredCount: 1,
      minCount: 1,
      gpusPerNode: 1,
    });
  });

  test("allows a public API endpoint", async () => {
    expect((await load("dev")).cluster.endpointPublicAccess).toBe(true);
  });

  test("leaves deletion protection off so the stack can be torn down", async () => {
    expect((await load("dev")).deletionProtection).toBe(false);
  });

  test("serves plain HTTP only because it opts in explicitly", async () => {
    const config = await load("dev");
    expect(config.workloads.ingress).toMatchObject({ allowInsecureHttp: true, certificateArn: undefined });
  });
});

describe("the committed prod stack file", () => {
  test("refuses to load until the account-specific certificateArn is set", async () => {
    await installPulumiMocks({ stack: "prod", config: stackFileConfig("prod") });
    expect(() => loadConfig()).toThrow(StackConfigError);
    expect(() => loadConfig()).toThrow(/clinical-inference-platform:certificateArn is required in prod/);
  });

  test("uses 3 availability zones with a NAT gateway in each", async () => {
    const config = await load("prod");
    expect(config.network).toEqual({
      vpcCidr: "10.40.0.0/16",
      availabilityZoneCount: 3,
      natGateways: "perAz",
      flowLogRetentionDays: 365,
    });
  });

  test("runs at least two GPU nodes", async () => {
    expect((await load("prod")).gpuNodes.desiredCount).toBeGreaterThanOrEqual(2);
  });

  test("keeps the API endpoint private", async () => {
    const config = await load("prod");
    expect(config.cluster.endpointPublicAccess).toBe(false);
    expect(config.cluster.publicAccessCidrs).toEqual([]);
  });

  test("turns on deletion protection with a 30-day KMS deletion window", async () => {
    const config = await load("prod");
    expect(config.deletionProtection).toBe(true);
    expect(config.kmsDeletionWindowDays).toBe(30);
  });

  test("forbids plain HTTP", async () => {
    expect((await load("prod")).workloads.ingress.allowInsecureHttp).toBe(false);
  });
});

describe("defaults and derived values", () => {
  test("prod rules apply to any stack whose environment is prod", async () => {
    const message = await configError("eu-prod", {
      "aws:region": "eu-west-1",
      environment: "prod",
      certificateArn: PROD_REQUIRED.certificateArn,
      gatewayImageTag: "1.0.0",
      gpuNodeCount: 1,
    });
    expect(message).toContain("gpuNodeCount must be >= 2 in prod");
  });

  test("Triton runs one replica per GPU in the pool unless told otherwise", async () => {
    const config = await load("prod", { gpuInstanceType: "g4dn.12xlarge", gpuNodeCount: 2 });
    expect(config.workloads.triton.replicas).toBe(8);
  });

  test("the workload settings default to the documented values", async () => {
    const config = await load("dev");
    expect(config.workloads).toMatchObject({
      namespaces: { gateway: "gateway", triton: "triton", monitoring: "monitoring" },
      triton: { modelName: "distilbert_sst2", modelVersion: "1", maxBatchSize: 16, tensorrtFp16: false },
      monitoring: { serviceMonitor: true, namespace: "monitoring" },
      auth: { jwtIssuer: undefined, jwtJwksUrl: undefined, oauthClients: [], oauthClientSecrets: undefined },
    });
  });

  test("an external identity provider is accepted when issuer and JWKS URL are both https", async () => {
    const config = await load("dev", {
      jwtIssuer: "https://idp.example.org/",
      jwtJwksUrl: "https://idp.example.org/.well-known/jwks.json",
    });
    expect(config.workloads.auth.jwtIssuer).toBe("https://idp.example.org/");
    expect(config.workloads.auth.jwtJwksUrl).toBe("https://idp.example.org/.well-known/jwks.json");
  });

  test("OAuth client secrets are read from the secret config object and stay secret", async () => {
    const config = await load(
      "dev",
      {
        oauthClients: [{ clientId: "ehr-integration", scopes: ["inference:invoke", "phi:deidentify"] }],
        oauthClientSecrets: { "ehr-integration": "s3cr3t-value-long-enough" },
      },
      ["oauthClientSecrets"],
    );
    expect(config.workloads.auth.oauthClients).toEqual([
      { clientId: "ehr-integration", scopes: ["inference:invoke", "phi:deidentify"] },
    ]);
    const secrets = config.workloads.auth.oauthClientSecrets;
    if (!secrets) throw new Error("expected oauthClientSecrets");
    expect(await isSecretOutput(secrets)).toBe(true);
    expect(await outputValue(secrets)).toEqual({ "ehr-integration": "s3cr3t-value-long-enough" });
  });
});

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
    ["dev", "zero GPU nodes", { gpuNodeCount: 0 }, /:gpuNodeCount must be between 1 and 20/],
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
      "a Triton image tagged latest",
      { tritonImage: "nvcr.io/nvidia/tritonserver:latest" },
      /:tritonImage must pin a release, "latest"/,
    ],
    [
      "dev",
      "a Triton image from elsewhere",
      { tritonImage: "docker.io/me/triton:24.12-py3" },
      /:tritonImage must be nvcr\.io\/nvidia\/tritonserver:<yy\.mm>-py3/,
    ],
    [
      "prod",
      "a single Triton replica in prod",
      { tritonReplicas: 1 },
      /:tritonReplicas must be >= 2 in prod/,
    ],
    [
      "dev",
      "more Triton replicas than GPUs",
      { tritonReplicas: 2 },
      /:tritonReplicas must be <= the GPUs in the pool \(1/,
    ],
    [
      "dev",
      "a model version that is not a positive integer",
      { modelVersion: "v1" },
      /:modelVersion must be a positive integer/,
    ],
    ["dev", "model version zero", { modelVersion: "0" }, /:modelVersion must be a positive integer/],
    [
      "dev",
      "a model name Triton cannot use as a directory",
      { modelName: "../etc" },
      /:modelName must be a Triton model directory name/,
    ],
    ["dev", "a batch size above 64", { maxBatchSize: 65 }, /:maxBatchSize must be between 1 and 64, got 65/],
    ["dev", "a batch size of zero", { maxBatchSize: 0 }, /:maxBatchSize must be between 1 and 64, got 0/],
    [
      "dev",
      "a signing-key generation of zero",
      { jwtSigningKeyGeneration: 0 },
      /:jwtSigningKeyGeneration must be between 1 and 1000000, got 0/,
    ],
    [
      "dev",
      "a boolean that is not true or false",
      { tensorrtFp16: "yes" },
      /:tensorrtFp16 must be true or false, got "yes"/,
    ],
    ["prod", "no certificate in prod", { certificateArn: undefined }, /:certificateArn is required in prod/],
    [
      "dev",
      "a certificate that is not an ACM ARN",
      { certificateArn: "arn:aws:iam::123456789012:server-certificate/x" },
      /:certificateArn must be an ACM certificate ARN/,
    ],
    ["prod", "plain HTTP in prod", { allowInsecureHttp: true }, /:allowInsecureHttp is forbidden in prod/],
    [
      "dev",
      "neither a certificate nor an explicit plain-HTTP opt-in",
      { allowInsecureHttp: false },
      /:certificateArn is required unless allowInsecureHttp is true/,
    ],
    [
      "dev",
      "an issuer without a JWKS URL",
      { jwtIssuer: "https://idp.example.org/" },
      /:jwtJwksUrl must be set together with jwtIssuer/,
    ],
    [
      "dev",
      "a JWKS URL without an issuer",
      { jwtJwksUrl: "https://idp.example.org/jwks" },
      /:jwtIssuer must be set together with jwtJwksUrl/,
    ],
    [
      "dev",
      "a JWKS URL over plain HTTP",
      { jwtIssuer: "https://idp.example.org/", jwtJwksUrl: "http://idp.example.org/jwks" },
      /:jwtJwksUrl must be an https:\/\/ URL/,
    ],
    [
      "dev",
      "an OAuth client with an unknown scope",
      { oauthClients: [{ clientId: "ehr", scopes: ["admin"] }] },
      /:oauthClients client "ehr" needs scopes from inference:invoke, phi:deidentify/,
    ],
    [
      "dev",
      "the same OAuth client twice",
      {
        oauthClients: [
          { clientId: "ehr", scopes: ["inference:invoke"] },
          { clientId: "ehr", scopes: ["phi:deidentify"] },
        ],
        oauthClientSecrets: { ehr: "0123456789abcdef0123" },
      },
      /:oauthClients lists clientId "ehr" twice/,
    ],
    [
      "dev",
      "OAuth clients without their secrets",
      { oauthClients: [{ clientId: "ehr", scopes: ["inference:invoke"] }] },
      /:oauthClientSecrets needs a secret .* \(missing or short: ehr\); set it with: pulumi config set --secret oauthClientSecrets/,
    ],
    [
      "dev",
      "a secret missing for one of two OAuth clients",
      {
        oauthClients: [
          { clientId: "ehr", scopes: ["inference:invoke"] },
          { clientId: "lab", scopes: ["phi:deidentify"] },
        ],
        oauthClientSecrets: { ehr: "0123456789abcdef0123" },
      },
      /:oauthClientSecrets .*missing or short: lab\)/,
    ],
    [
      "dev",
      "the gateway image tagged latest",
      { gatewayImageTag: "latest" },
      /:gatewayImageTag must be an immutable image tag \(not "latest"\)/,
    ],
    [
      "dev",
      "a gateway maximum below its minimum",
      { gatewayMinReplicas: 3, gatewayMaxReplicas: 2 },
      /:gatewayMaxReplicas must be >= gatewayMinReplicas/,
    ],
    [
      "prod",
      "a single gateway replica in prod",
      { gatewayMinReplicas: 1 },
      /:gatewayMinReplicas must be >= 2 in prod/,
    ],
    [
      "dev",
      "a namespace that is not a DNS label",
      { tritonNamespace: "Triton_NS" },
      /:tritonNamespace must be a DNS-1123 label/,
    ],
    [
      "dev",
      "an unpinned ALB controller chart",
      { albControllerChartVersion: "latest" },
      /:albControllerChartVersion must be a pinned chart version/,
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

  test("secret values never appear in validation messages", async () => {
    const message = await configError("dev", {
      oauthClients: [
        { clientId: "ehr", scopes: ["inference:invoke"] },
        { clientId: "lab", scopes: ["inference:invoke"] },
      ],
      oauthClientSecrets: { ehr: "do-not-print-this-secret", lab: "short" },
    });
    expect(message).toContain("missing or short: lab");
    expect(message).not.toContain("do-not-print-this-secret");
    expect(message).not.toContain('"short"');
  });
});
