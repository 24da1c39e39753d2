/**
 * components/config.ts: the committed dev and prod stack files load into the intended shape, and the defaults
 * and derived values (prod rules, Triton replicas, workload settings, identity provider, OAuth secrets) hold.
 */

import { loadConfig, StackConfigError } from "../components/config";
import { configError, load } from "./support/load-stack-config";
import { installPulumiMocks, isSecretOutput, outputValue } from "./support/pulumi-mocks";
import { stackFileConfig } from "./support/stack-files";
import { PROD_REQUIRED } from "./support/stacks";

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

  test("runs at most one g4dn.xlarge GPU node, none always on", async () => {
    const config = await load("dev");
    expect(config.gpuNodes).toMatchObject({
      instanceType: "g4dn.xlarge",
      desiredCount: 0,
      minCount: 0,
      maxCount: 1,
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
