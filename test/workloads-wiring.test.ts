/**
 * The contract between components/config.ts and the workloads layer: the validated `StackConfig.workloads` of
 * the committed prod stack file (plus the account-specific keys it requires) is passed as-is to `Workloads`,
 * with the repository's real config.pbtxt, exactly as index.ts wires it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type * as pulumiTypes from "@pulumi/pulumi";
import type * as configModule from "../components/config";
import type * as workloadsModule from "../components/workloads";
import {
  CHECKOUT_MODEL_REPOSITORY,
  MODEL_CONFIG_FILE,
  modelDirectory,
} from "../gateway/src/inference/repository-layout";
import { type MockedStack, OIDC_ISSUER_HOST } from "./support/pulumi-mocks";
import { stackFileConfig } from "./support/stack-files";
import { PROD_REQUIRED } from "./support/stacks";
import {
  ALB_SUBNET_CIDRS,
  ecrRepository,
  mockState,
  PRIVATE_SUBNET_CIDRS,
  S3_CIDRS,
} from "./support/workloads-fixture";
import { plainManifest } from "./support/workloads-schema";

let stack: MockedStack;
let config: configModule.StackConfig;
let workloads: workloadsModule.Workloads;
let pulumi: typeof pulumiTypes;

beforeAll(async () => {
  let installing!: Promise<MockedStack>;
  let components!: typeof workloadsModule;
  let loadConfig!: typeof configModule.loadConfig;
  let k8s!: typeof import("@pulumi/kubernetes");
  jest.isolateModules(() => {
    const harness = require("./support/pulumi-mocks") as typeof import("./support/pulumi-mocks");
    installing = harness.installPulumiMocks({
      stack: "prod",
      config: {
        ...stackFileConfig("prod"),
        ...PROD_REQUIRED,
        oauthClients: [{ clientId: "ehr-integration", scopes: ["inference:invoke"] }],
        oauthClientSecrets: { "ehr-integration": "a-long-enough-client-secret" },
        serviceMonitor: true,
      },
      secretKeys: ["oauthClientSecrets"],
      stateFor: (r) => mockState(r),
    });
    pulumi = require("@pulumi/pulumi");
    k8s = require("@pulumi/kubernetes");
    components = require("../components/workloads");
    loadConfig = (require("../components/config") as typeof configModule).loadConfig;
  });
  stack = await installing;
  config = loadConfig();
  workloads = new components.Workloads("workloads", {
    provider: new k8s.Provider("cluster", { kubeconfig: "{}" }),
    environment: config.environment,
    region: config.region,
    clusterName: config.cluster.name,
    vpcId: "vpc-0123456789abcdef0",
    vpcCidr: config.network.vpcCidr,
    albSubnetCidrs: ALB_SUBNET_CIDRS,
    privateSubnetCidrs: PRIVATE_SUBNET_CIDRS,
    s3Cidrs: S3_CIDRS,
    oidcProviderArn: `arn:aws:iam::123456789012:oidc-provider/${OIDC_ISSUER_HOST}`,
    oidcIssuer: OIDC_ISSUER_HOST,
    modelRepositoryUri: `s3://clinical-models-example/${config.modelRepository.bucketPrefix}`,
    tritonRoleArn: "arn:aws:iam::123456789012:role/triton",
    imageRegistry: ecrRepository(pulumi),
    modelConfig: fs.readFileSync(
      path.join(
        modelDirectory(CHECKOUT_MODEL_REPOSITORY, config.workloads.triton.modelName),
        MODEL_CONFIG_FILE,
      ),
      "utf8",
    ),
    kubernetesVersion: config.cluster.kubernetesVersion,
    settings: config.workloads,
  });
  await stack.settle();
});

// biome-ignore lint/suspicious/noExplicitAny: manifests are free-form JSON
const manifest = (kind: string, name: string): any => {
  const found = stack.resources.find((r) => r.inputs.kind === kind && r.inputs.metadata?.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return plainManifest(found.inputs);
};

test("the namespaces and Triton service account are the ones the Triton IRSA role trusts", () => {
  expect(manifest("Namespace", config.workloads.namespaces.triton)).toBeDefined();
  const sa = manifest("ServiceAccount", config.workloads.triton.serviceAccountName);
  expect(sa.metadata.namespace).toBe(config.workloads.namespaces.triton);
});

test("the prod stack file's settings reach the Deployments and the HPA", () => {
  const triton = manifest("Deployment", "triton");
  expect(triton.spec.template.spec.containers[0].image).toBe(config.workloads.triton.image);
  // KEDA owns Triton's count (components/autoscaling.ts): a replicas field would be reset by every `pulumi up`.
  expect(triton.spec.replicas).toBeUndefined();
  const gateway = manifest("Deployment", "gateway");
  expect(gateway.spec.template.spec.containers[0].image).toMatch(/:1\.4\.2$/);
  const hpa = manifest("HorizontalPodAutoscaler", "gateway");
  expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([2, 9]);
  expect(hpa.spec.metrics.map((m: { type: string }) => m.type)).toEqual(["Resource", "Pods"]);
  expect(hpa.spec.metrics[1].pods).toEqual({
    metric: { name: "gateway_backend_inflight_requests" },
    target: { type: "AverageValue", averageValue: "32" },
  });
});

test("the ALB uses the configured certificate and the default chart version has a committed policy", () => {
  const ingress = manifest("Ingress", "gateway");
  expect(ingress.metadata.annotations["alb.ingress.kubernetes.io/certificate-arn"]).toBe(
    PROD_REQUIRED.certificateArn,
  );
  const release = stack.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release");
  expect(release?.inputs.version).toBe(config.workloads.ingress.albControllerChartVersion);
});

test("OAuth client secrets from secret config are hashed into the clients Secret", async () => {
  const clients = JSON.parse(manifest("Secret", "gateway-oauth-clients").stringData["clients.json"]);
  expect(clients.clients[0].client_id).toBe("ehr-integration");
  expect(JSON.stringify(stack.resources.map((r) => r.inputs))).not.toContain("a-long-enough-client-secret");
  expect(await pulumi.isSecret(workloads.jwks)).toBe(false);
});

test("the repository's config.pbtxt is part of Triton's rollout checksum", () => {
  const triton = manifest("Deployment", "triton");
  expect(triton.spec.template.metadata.annotations["clinical-inference/model-checksum"]).toMatch(
    /^[0-9a-f]{64}$/,
  );
});
