/**
 * Issue 11: what a real `pulumi up` would reject or get wrong although the mock engine accepts it. Each test
 * states the behaviour a real deployment needs: config that EKS or Kubernetes would refuse is refused in
 * config (one line naming the key and the fix), and a checkout whose config differs from what the stack's
 * state runs cannot plan deleting it or deploy an image that cannot exist yet.
 */
import { loadConfig, StackConfigError } from "../components/config";
import type { LayerDecision } from "../components/deployed-state";
import { gatewayPodsSystemNodesHold } from "../components/system-capacity";
import {
  type ConfigValue,
  installPulumiMocks,
  outputValue,
  previousStackOutputs,
} from "./support/pulumi-mocks";
import { stackFileConfig } from "./support/stack-files";
import { makeModelRepo, PROD_REQUIRED, runProgram } from "./support/stacks";
import { mockState } from "./support/workloads-fixture";

const { gatewayImageTag: _tag, ...PROD_WITHOUT_TAG } = PROD_REQUIRED;
const NODE_GROUP = "eks:index:ManagedNodeGroup";
const CLUSTER = "eks:index:Cluster";
const ECR_REPO = "aws:ecr/repository:Repository";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";

async function configError(stack: "dev" | "prod", overrides: Record<string, ConfigValue>): Promise<string> {
  const base = stack === "prod" ? { ...stackFileConfig("prod"), ...PROD_REQUIRED } : stackFileConfig("dev");
  await installPulumiMocks({ stack, config: { ...base, ...overrides } });
  try {
    loadConfig();
  } catch (error) {
    expect(error).toBeInstanceOf(StackConfigError);
    return (error as Error).message;
  }
  throw new Error(`expected loadConfig to reject ${JSON.stringify(overrides)} on ${stack}`);
}

/** The state a previous update left: `outputs` as the stack's own StackReference reads them. */
const withPreviousOutputs =
  (outputs: Record<string, unknown>) =>
  (resource: { type: string; name: string; inputs: Record<string, unknown> }) =>
    resource.type === "pulumi:pulumi:StackReference" ? { outputs } : mockState(resource);

describe("EKS access entries", () => {
  test("an STS assumed-role session ARN is refused with the role ARN to use instead", async () => {
    const message = await configError("dev", {
      clusterAdminPrincipalArns: ["arn:aws:sts::123456789012:assumed-role/platform-admin/alice"],
    });
    expect(message).toContain(
      'clinical-inference-platform:clusterAdminPrincipalArns contains the STS session ARN "arn:aws:sts::123456789012:assumed-role/platform-admin/alice", which EKS access entries reject; use the role\'s IAM ARN arn:aws:iam::123456789012:role/<path/>platform-admin instead; set it with: pulumi config set clusterAdminPrincipalArns \'["arn:aws:iam::123456789012:role/platform-admin"]\' -s dev',
    );
  });

  test("view-only principals are validated like admins", async () => {
    expect(await configError("dev", { clusterViewerPrincipalArns: ["preview-bot"] })).toMatch(
      /:clusterViewerPrincipalArns contains "preview-bot", which is not an IAM role or user ARN; set it with: /,
    );
  });

  test("a principal cannot be both admin and viewer (EKS allows one access entry per principal)", async () => {
    const arn = "arn:aws:iam::123456789012:role/platform-admin";
    expect(await configError("prod", { clusterViewerPrincipalArns: [arn] })).toMatch(
      /:clusterViewerPrincipalArns contains .* which clusterAdminPrincipalArns already lists/,
    );
  });

  test("view-only principals get AmazonEKSAdminViewPolicy on the whole cluster, admins keep cluster-admin", async () => {
    const repo = makeModelRepo();
    try {
      const viewer = "arn:aws:iam::123456789012:role/github-preview";
      const { mocked } = await runProgram("prod", {
        ...PROD_REQUIRED,
        modelRepositoryPath: repo.root,
        clusterViewerPrincipalArns: [viewer],
      });
      const entries = mocked.one(CLUSTER).inputs.accessEntries;
      expect(entries["viewer-0"]).toEqual({
        principalArn: viewer,
        accessPolicies: {
          "cluster-view": {
            policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminViewPolicy",
            accessScope: { type: "cluster" },
          },
        },
      });
      expect(Object.keys(entries).sort()).toEqual(["admin-0", "viewer-0"]);
    } finally {
      repo.cleanup();
    }
  });
});

describe("capacity nothing scales yet", () => {
  test("three m6i.large system nodes hold nine gateway pods next to the cluster add-ons", () => {
    expect(gatewayPodsSystemNodesHold("m6i.large", 3)).toBe(9);
  });

  test("a gateway HPA maximum the system nodes cannot hold is refused, naming the fitting maximum", async () => {
    expect(await configError("prod", { gatewayMaxReplicas: 10 })).toContain(
      "clinical-inference-platform:gatewayMaxReplicas must be <= 9, the gateway pods 3 m6i.large system nodes hold next to the cluster add-ons (nothing adds system nodes; or raise systemNodeCount), got 10; set it with: pulumi config set gatewayMaxReplicas 9 -s prod",
    );
  });

  test("node groups follow the cluster's Kubernetes version", async () => {
    const repo = makeModelRepo();
    try {
      const { mocked } = await runProgram("dev", {
        gatewayImageTag: "1.4.2",
        modelRepositoryPath: repo.root,
        kubernetesVersion: "1.32",
      });
      expect(mocked.byType(NODE_GROUP).map((g) => g.inputs.version)).toEqual(["1.32", "1.32"]);
    } finally {
      repo.cleanup();
    }
  });
});

/**
 * The check on its own, with the stack's own StackReference answered from `outputs`. In the program a
 * problem rejects an exported output (and the gateway's image), which fails `pulumi preview`/`up`, and
 * under the mock engine would end the test process.
 */
async function decide(
  stack: "dev" | "prod",
  outputs: Record<string, unknown>,
  settings: { imageTag: string | undefined; workloadsEnabled?: boolean },
): Promise<LayerDecision> {
  let deployedState!: typeof import("../components/deployed-state");
  let installing!: Promise<unknown>;
  jest.isolateModules(() => {
    installing = require("./support/pulumi-mocks").installPulumiMocks({
      stack,
      config: stackFileConfig(stack),
      stateFor: withPreviousOutputs(outputs),
    });
    deployedState = require("../components/deployed-state");
  });
  await installing;
  return deployedState.decideWorkloadLayer(deployedState.previousState(), {
    workloadsEnabled: true,
    ...settings,
    stack,
    repositoryName: `clinical-inference-gateway-${stack}`,
  });
}

describe("the stack's state decides what a checkout may change", () => {
  test("each stack gets its own ECR repository by default", async () => {
    const repo = makeModelRepo();
    try {
      const dev = await runProgram("dev", { modelRepositoryPath: repo.root });
      const prod = await runProgram("prod", { ...PROD_REQUIRED, modelRepositoryPath: repo.root });
      expect([dev.mocked.one(ECR_REPO).inputs.name, prod.mocked.one(ECR_REPO).inputs.name]).toEqual([
        "clinical-inference-gateway-dev",
        "clinical-inference-gateway-prod",
      ]);
    } finally {
      repo.cleanup();
    }
  });

  test("a checkout without gatewayImageTag refuses to delete the workloads the stack runs", async () => {
    const layer = await decide("dev", previousStackOutputs(true), { imageTag: undefined });
    expect(layer.deployWorkloads).toBe(false);
    expect(await outputValue(layer.problem)).toMatch(
      /^gatewayImageTag is not set, but stack dev runs the workload layer .* pulumi config set gatewayImageTag <tag> -s dev \(to remove the workload layer on purpose: pulumi config set workloadsEnabled false -s dev\)$/,
    );
  });

  test("a checkout without gatewayImageTag may deploy a stack that runs no workloads yet", async () => {
    const layer = await decide("dev", previousStackOutputs(false), { imageTag: undefined });
    expect(await outputValue(layer.problem)).toBeUndefined();
  });

  test("workloadsEnabled false removes the workload layer on purpose", async () => {
    const repo = makeModelRepo();
    try {
      const { mocked, outputs } = await runProgram(
        "dev",
        { modelRepositoryPath: repo.root, gatewayImageTag: "1.4.2", workloadsEnabled: false },
        [],
        withPreviousOutputs(previousStackOutputs(true)),
      );
      expect(await outputValue(outputs.workloadsDeployed)).toBe(false);
      expect(mocked.byType(DEPLOYMENT)).toEqual([]);
    } finally {
      repo.cleanup();
    }
  });

  test("a first deploy may leave gatewayImageTag unset in prod: the AWS layer comes up alone", async () => {
    const repo = makeModelRepo();
    try {
      const { mocked, outputs } = await runProgram(
        "prod",
        { ...PROD_WITHOUT_TAG, modelRepositoryPath: repo.root },
        [],
        withPreviousOutputs({}),
      );
      expect(await outputValue(outputs.workloadsDeployed)).toBe(false);
      expect(mocked.byType(ECR_REPO)).toHaveLength(1);
    } finally {
      repo.cleanup();
    }
  });

  test("an image tag set before the stack's ECR repository exists is refused with the order of steps", async () => {
    const layer = await decide("prod", {}, { imageTag: "1.4.2" });
    expect(layer.deployWorkloads).toBe(true);
    expect(await outputValue(layer.problem)).toMatch(
      /^gatewayImageTag is set, but the ECR repository clinical-inference-gateway-prod is not in stack prod's state yet .*pulumi config rm gatewayImageTag -s prod && pulumi up -s prod, push the image/,
    );
  });
});
