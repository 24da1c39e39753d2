/**
 * Builds the workloads layer under the Pulumi mock engine for a dev-like, prod-like or external-IdP stack and
 * returns everything it registered, with inputs already resolved.
 *
 * Each call loads a fresh copy of @pulumi/pulumi and the components (jest.isolateModules), so stacks built in
 * one test file do not share runtime state. Mocked providers return real key material: the TLS private key
 * is a real P-256 key and RandomBytes are real bytes, so JWKS thumbprints and scrypt hashes are computed by
 * the program exactly as in `pulumi up`.
 */
import { createHash, generateKeyPairSync } from "node:crypto";
import type * as pulumiTypes from "@pulumi/pulumi";
import type * as workloadsModule from "../../components/workloads";
import {
  type ConfigValue,
  type MockedStack,
  type RecordedResource,
  S3_PREFIX_LIST_CIDRS,
} from "./pulumi-mocks";
import { plainManifest } from "./workloads-schema";

export type StackKind = "dev" | "prod" | "external";

export const VPC_CIDR = "10.40.0.0/16";
/** The subnets components/network.ts carves from VPC_CIDR for 3 zones. */
export const ALB_SUBNET_CIDRS = ["10.40.128.0/20", "10.40.144.0/20", "10.40.160.0/20"];
export const PRIVATE_SUBNET_CIDRS = ["10.40.0.0/19", "10.40.32.0/19", "10.40.64.0/19"];
export const S3_CIDRS = S3_PREFIX_LIST_CIDRS;
export const ALB_HOSTNAME = "k8s-gateway-gateway-0123456789-1234567890.us-east-1.elb.amazonaws.com";
export const CERTIFICATE_ARN =
  "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d";
export const TRITON_ROLE_ARN = "arn:aws:iam::123456789012:role/triton-model-reader";
export const ECR_URL = "123456789012.dkr.ecr.us-east-1.amazonaws.com/clinical-inference-gateway";
export const CLIENT_SECRETS: Record<string, string> = {
  "ehr-integration": "ehr-client-secret-0123456789abcdef",
  "deid-batch": "deid-client-secret-fedcba9876543210",
};
export const MODEL_REPOSITORY_URI = "s3://clinical-models-bucket/models";
export const MODEL_CONFIG = 'name: "distilbert_sst2"\nplatform: "onnxruntime_onnx"\nmax_batch_size: 16\n';

type Settings = workloadsModule.WorkloadSettings;
type Args = workloadsModule.WorkloadsArgs;

export interface BuildOptions {
  /** Changes to the default settings for the stack kind. */
  settings?: (s: Settings) => Settings;
  args?: Partial<Omit<Args, "provider" | "settings">>;
  /** Generate a new signing key instead of the one "kept in state" from earlier builds (a key rotation). */
  rotateSigningKey?: boolean;
  /** Client secrets as `pulumi config set --secret` would provide them; default CLIENT_SECRETS. */
  clientSecrets?: Record<string, string>;
  /** Pass an upstream resource (standing in for node groups / the model upload) as `dependsOn`. */
  withUpstream?: boolean;
}

export interface Built {
  stack: MockedStack;
  workloads: workloadsModule.Workloads;
  pulumi: typeof pulumiTypes;
  /** Resolves an Output (or plain value) with this build's Pulumi copy. */
  resolve<T>(value: pulumiTypes.Input<T>): Promise<T>;
  /** URN of the Kubernetes provider every workload object must use. */
  providerUrn: string;
  /** Kubernetes objects (type token starts with "kubernetes:" and is not a Helm release). */
  k8sObjects(): RecordedResource[];
  one(kind: string, name: string, namespace?: string): RecordedResource;
  /** The object as the cluster would receive it (secrets unwrapped). */
  // biome-ignore lint/suspicious/noExplicitAny: manifests are free-form JSON that tests drill into
  manifest(kind: string, name: string, namespace?: string): any;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  manifests(kind?: string): any[];
}

export function defaultSettings(
  kind: StackKind,
  secrets: pulumiTypes.Output<Record<string, string>>,
): Settings {
  const prod = kind === "prod";
  return {
    namespaces: { gateway: "gateway", triton: "triton", monitoring: "monitoring" },
    gateway: { imageTag: "1.4.2", minReplicas: prod ? 2 : 1, maxReplicas: prod ? 10 : 3 },
    triton: {
      image: "nvcr.io/nvidia/tritonserver:24.12-py3",
      replicas: prod ? 2 : 1,
      gpuCapacity: prod ? 2 : 1,
      serviceAccountName: "triton",
      modelName: "distilbert_sst2",
      modelVersion: "1",
      maxBatchSize: 16,
      tensorrtFp16: prod,
      modelVariant: "gpu",
    },
    ingress: {
      certificateArn: kind === "dev" ? undefined : CERTIFICATE_ARN,
      allowInsecureHttp: kind === "dev",
      albControllerChartVersion: "1.13.0",
    },
    auth:
      kind === "external"
        ? {
            jwtIssuer: "https://idp.example.org/",
            jwtJwksUrl: "https://idp.example.org/.well-known/jwks.json",
            oauthClients: [],
            signingKeyGeneration: 1,
            oauthClientSecrets: undefined,
          }
        : {
            jwtIssuer: undefined,
            jwtJwksUrl: undefined,
            oauthClients: [
              { clientId: "ehr-integration", scopes: ["inference:invoke"] },
              { clientId: "deid-batch", scopes: ["phi:deidentify", "inference:invoke"] },
            ],
            signingKeyGeneration: 1,
            oauthClientSecrets: secrets,
          },
    monitoring: { serviceMonitor: kind !== "dev", namespace: "monitoring" },
  };
}

/** Stands in for the stack's ImageRegistry: references in the ECR repository ECR_URL. */
export function ecrRepository(pulumi: typeof pulumiTypes): Args["imageRegistry"] {
  return { imageReference: (tag) => pulumi.output(`${ECR_URL}:${tag}`) };
}

/** Like Pulumi state: a tls.PrivateKey keeps its key across runs until it is replaced. */
const keptKeys = new Map<string, Record<string, string>>();

/** State the mocked tls/random providers and the ALB controller would produce. */
export function mockState(
  resource: { type: string; name: string; inputs: Record<string, unknown> },
  rotateSigningKey = false,
) {
  switch (resource.type) {
    case "tls:index/privateKey:PrivateKey": {
      const kept = keptKeys.get(resource.name);
      if (kept && !rotateSigningKey) return kept;
      const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
      const state = {
        privateKeyPemPkcs8: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
        privateKeyPem: privateKey.export({ format: "pem", type: "sec1" }).toString(),
        publicKeyPem: publicKey.export({ format: "pem", type: "spki" }).toString(),
      };
      keptKeys.set(resource.name, state);
      return state;
    }
    case "random:index/randomBytes:RandomBytes": {
      // Deterministic per logical name, like a value kept in state across runs.
      const length = Number(resource.inputs.length);
      const bytes = createHash("sha512").update(resource.name).digest().subarray(0, length);
      return { base64: bytes.toString("base64"), hex: bytes.toString("hex"), length };
    }
    case "kubernetes:networking.k8s.io/v1:Ingress":
      return { status: { loadBalancer: { ingress: [{ hostname: ALB_HOSTNAME }] } } };
    default:
      return undefined;
  }
}

export async function buildWorkloads(kind: StackKind, options: BuildOptions = {}): Promise<Built> {
  let harness!: typeof import("./pulumi-mocks");
  let components!: typeof workloadsModule;
  let pulumi!: typeof pulumiTypes;
  let k8s!: typeof import("@pulumi/kubernetes");
  let random!: typeof import("@pulumi/random");
  let installing!: Promise<MockedStack>;
  const config: Record<string, ConfigValue> = { "aws:region": "us-east-1" };
  jest.isolateModules(() => {
    harness = require("./pulumi-mocks");
    // Synchronous part of installPulumiMocks requires @pulumi/pulumi: it must run inside the isolated registry.
    installing = harness.installPulumiMocks({
      stack: kind === "external" ? "prod" : kind,
      config,
      stateFor: (r) => mockState(r, options.rotateSigningKey ?? false),
    });
    pulumi = require("@pulumi/pulumi");
    k8s = require("@pulumi/kubernetes");
    random = require("@pulumi/random");
    components = require("../../components/workloads");
  });
  const stack = await installing;

  const secrets = pulumi.secret(options.clientSecrets ?? CLIENT_SECRETS);
  const base = defaultSettings(kind, secrets);
  const settings = options.settings ? options.settings(base) : base;
  const provider = new k8s.Provider("eks-cluster", { kubeconfig: "{}" });
  const upstream = options.withUpstream ? [new random.RandomId("upstream", { byteLength: 4 })] : undefined;
  const args: Args = {
    provider,
    environment: kind === "dev" ? "dev" : "prod",
    region: "us-east-1",
    clusterName: `clinical-inference-${kind}`,
    vpcId: "vpc-0123456789abcdef0",
    vpcCidr: VPC_CIDR,
    albSubnetCidrs: ALB_SUBNET_CIDRS,
    privateSubnetCidrs: PRIVATE_SUBNET_CIDRS,
    s3Cidrs: S3_CIDRS,
    oidcProviderArn: harness.OIDC_PROVIDER_ARN,
    oidcIssuer: `https://${harness.OIDC_ISSUER_HOST}`,
    modelRepositoryUri: MODEL_REPOSITORY_URI,
    tritonRoleArn: TRITON_ROLE_ARN,
    imageRegistry: ecrRepository(pulumi),
    modelConfig: MODEL_CONFIG,
    kubernetesVersion: "1.33",
    settings,
    dependsOn: upstream,
    ...(options.args ?? {}),
  };
  const workloads = new components.Workloads("workloads", args);
  await stack.settle();

  const resolve = <T>(value: pulumiTypes.Input<T>): Promise<T> =>
    (pulumi.output(value) as unknown as { promise(): Promise<T> }).promise();
  const providerRecord = stack.one("pulumi:providers:kubernetes");
  const k8sObjects = () =>
    stack.resources.filter(
      (r) => r.type.startsWith("kubernetes:") && r.type !== "kubernetes:helm.sh/v3:Release",
    );
  const one = (kindName: string, name: string, namespace?: string): RecordedResource => {
    const found = k8sObjects().filter(
      (r) =>
        r.inputs.kind === kindName &&
        r.inputs.metadata?.name === name &&
        (namespace === undefined || r.inputs.metadata?.namespace === namespace),
    );
    if (found.length !== 1) {
      const seen = k8sObjects()
        .map((r) => `${r.inputs.kind} ${r.inputs.metadata?.namespace ?? ""}/${r.inputs.metadata?.name}`)
        .join(", ");
      throw new Error(`expected one ${kindName} ${namespace ?? "*"}/${name}, found ${found.length}: ${seen}`);
    }
    return found[0] as RecordedResource;
  };

  return {
    stack,
    workloads,
    pulumi,
    resolve,
    providerUrn: providerRecord.urn,
    k8sObjects,
    one,
    manifest(kindName, name, namespace) {
      return plainManifest(one(kindName, name, namespace).inputs);
    },
    manifests(kindName) {
      return k8sObjects()
        .filter((r) => kindName === undefined || r.inputs.kind === kindName)
        .map((r) => plainManifest(r.inputs));
    },
  };
}
