/**
 * The one place the stack's configuration is read and validated.
 *
 * Every key of the `clinical-inference-platform` namespace is parsed here, checked against allowed values,
 * ranges and the rules that make a stack production-grade, and returned as a typed `StackConfig`. All problems
 * are collected and thrown together as one `StackConfigError`, one line per problem, each naming the key and
 * the `pulumi config set` command that fixes it. Components receive slices of `StackConfig` as arguments and
 * never read config themselves, so tests can drive them with any values.
 */
import { ALL_SCOPES, isScope, type OAuthScope } from "@clinical-inference/gateway/deployment-contract";
import * as pulumi from "@pulumi/pulumi";
import { MODEL_REPOSITORY_DIR } from "../gateway/src/inference/repository-layout";

export type { OAuthScope };
export type Environment = "dev" | "prod";
export type NatGatewayStrategy = "single" | "perAz";

/** GPUs per g4dn size; Triton runs one replica per GPU. */
export const G4DN_GPUS_PER_INSTANCE: Readonly<Record<string, number>> = {
  "g4dn.xlarge": 1,
  "g4dn.2xlarge": 1,
  "g4dn.4xlarge": 1,
  "g4dn.8xlarge": 1,
  "g4dn.16xlarge": 1,
  "g4dn.12xlarge": 4,
  "g4dn.metal": 8,
};

export interface NetworkConfig {
  /** A /16; subnets are carved from it (private /19s, public /20s). */
  vpcCidr: string;
  availabilityZoneCount: number;
  natGateways: NatGatewayStrategy;
  /** CloudWatch retention of VPC flow logs (all accepted and rejected traffic). */
  flowLogRetentionDays: number;
}

export interface ClusterConfig {
  name: string;
  /** Pinned EKS minor version, e.g. "1.33". */
  kubernetesVersion: string;
  endpointPublicAccess: boolean;
  /** CIDRs allowed to reach a public endpoint; never 0.0.0.0/0 in prod. */
  publicAccessCidrs: string[];
  /** IAM principals granted cluster-admin through EKS access entries. */
  adminPrincipalArns: string[];
  /** CloudWatch retention of the control-plane logs (audit included). */
  logRetentionDays: number;
}

export interface NodePoolConfig {
  instanceType: string;
  desiredCount: number;
  minCount: number;
  maxCount: number;
  diskSizeGiB: number;
}

export interface GpuNodePoolConfig extends NodePoolConfig {
  gpusPerNode: number;
}

export interface DevicePluginConfig {
  version: string;
  /** nvcr.io/nvidia/k8s-device-plugin:<version> */
  image: string;
}

export interface ModelRepositoryConfig {
  /** Local directory uploaded to S3, relative to the project root (or absolute). */
  localPath: string;
  /** Key prefix in the bucket; Triton's --model-repository is s3://<bucket>/<prefix>. */
  bucketPrefix: string;
}

export interface ImageRegistryConfig {
  repositoryName: string;
  untaggedExpiryDays: number;
  keepLastImages: number;
}

export interface OAuthClientConfig {
  clientId: string;
  scopes: OAuthScope[];
}

export interface WorkloadConfig {
  namespaces: { gateway: string; triton: string; monitoring: string };
  gateway: {
    /** Tag in the stack's ECR repository; required in prod, undefined in dev until you push one. */
    imageTag: string | undefined;
    minReplicas: number;
    maxReplicas: number;
  };
  triton: {
    /** Pinned nvcr.io/nvidia/tritonserver:<yy.mm>-py3 */
    image: string;
    replicas: number;
    serviceAccountName: string;
    modelName: string;
    /** Positive integer as a string: the Triton version directory. */
    modelVersion: string;
    maxBatchSize: number;
    tensorrtFp16: boolean;
  };
  ingress: {
    certificateArn: string | undefined;
    allowInsecureHttp: boolean;
    albControllerChartVersion: string;
  };
  auth: {
    /** External IdP; both set or both undefined (then the gateway issues its own tokens). */
    jwtIssuer: string | undefined;
    jwtJwksUrl: string | undefined;
    oauthClients: OAuthClientConfig[];
    /**
     * Which signing key signs: bumping it rotates keys with no 401s, because the JWKS always publishes the
     * previous, current and next generation (see docs/operations.md).
     */
    signingKeyGeneration: number;
    /** clientId -> client secret, from the secret config object `oauthClientSecrets`; undefined without clients. */
    oauthClientSecrets: pulumi.Output<Record<string, string>> | undefined;
  };
  monitoring: { serviceMonitor: boolean; namespace: string };
}

export interface StackConfig {
  project: string;
  stack: string;
  environment: Environment;
  region: string;
  /** Prod: protect + retainOnDelete on stateful resources, no force-destroy, cluster deletion protection. */
  deletionProtection: boolean;
  kmsDeletionWindowDays: number;
  tags: Record<string, string>;
  network: NetworkConfig;
  cluster: ClusterConfig;
  systemNodes: NodePoolConfig;
  gpuNodes: GpuNodePoolConfig;
  devicePlugin: DevicePluginConfig;
  modelRepository: ModelRepositoryConfig;
  imageRegistry: ImageRegistryConfig;
  workloads: WorkloadConfig;
}

/** Thrown by loadConfig with every problem found, one per line. RunError: Pulumi prints it without a stack trace. */
export class StackConfigError extends pulumi.RunError {
  constructor(readonly problems: string[]) {
    super(`Invalid stack configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "StackConfigError";
  }
}

/** The values CloudWatch Logs accepts for retentionInDays. */
export const CLOUDWATCH_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const IAM_PRINCIPAL_ARN = /^arn:aws[a-z-]*:(iam|sts)::\d{12}:(role|user|assumed-role)\/[\w+=,.@/-]+$/;
const ACM_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/;
const TRITON_IMAGE = /^nvcr\.io\/nvidia\/tritonserver:(\d{2})\.(\d{2})-py3$/;
const SEMVER_TAG = /^v\d+\.\d+\.\d+$/;
const SEMVER = /^\d+\.\d+\.\d+$/;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Parses an IPv4 CIDR; undefined when malformed. */
export function parseCidr(cidr: string): { octets: number[]; prefix: number } | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  return { octets, prefix };
}

function isHttpsUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "https:" && url.hostname !== "";
  } catch {
    return false;
  }
}

/**
 * Reads typed values from one config namespace, recording problems instead of throwing so that a user sees
 * every mistake in one run.
 */
class ConfigReader {
  readonly problems: string[] = [];
  private readonly config: pulumi.Config;

  constructor(
    readonly namespace: string,
    readonly stack: string,
  ) {
    this.config = new pulumi.Config(namespace);
  }

  /** The exact command that sets `key` on this stack. */
  fix(key: string, example: string, secret = false): string {
    const value = /[\s"'{}[\]]/.test(example) ? `'${example}'` : example;
    return `pulumi config set${secret ? " --secret" : ""} ${key} ${value} -s ${this.stack}`;
  }

  problem(key: string, message: string, example: string, secret = false): void {
    this.problems.push(`${this.namespace}:${key} ${message}; set it with: ${this.fix(key, example, secret)}`);
  }

  raw(key: string): string | undefined {
    const value = this.config.get(key);
    return value === undefined || value === "" ? undefined : value;
  }

  string(key: string, fallback: string): string;
  string(key: string, fallback: undefined): string | undefined;
  string(key: string, fallback: string | undefined): string | undefined {
    return this.raw(key) ?? fallback;
  }

  integer(key: string, fallback: number, min: number, max: number): number {
    const raw = this.raw(key);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value)) {
      this.problem(key, `must be a whole number, got "${raw}"`, String(fallback));
      return fallback;
    }
    if (value < min || value > max) {
      this.problem(key, `must be between ${min} and ${max}, got ${value}`, String(fallback));
      return fallback;
    }
    return value;
  }

  boolean(key: string, fallback: boolean): boolean {
    const raw = this.raw(key);
    if (raw === undefined) return fallback;
    if (raw === "true") return true;
    if (raw === "false") return false;
    this.problem(key, `must be true or false, got "${raw}"`, String(fallback));
    return fallback;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const raw = this.raw(key);
    if (raw === undefined) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    this.problem(key, `must be one of ${allowed.join(", ")}, got "${raw}"`, fallback);
    return fallback;
  }

  /** A JSON value (YAML lists/maps in Pulumi.<stack>.yaml arrive as JSON). */
  json(key: string, example: string): unknown {
    const raw = this.raw(key);
    if (raw === undefined) return undefined;
    try {
      return JSON.parse(raw);
    } catch {
      this.problem(key, "must be a JSON/YAML list or object", example);
      return undefined;
    }
  }

  stringList(key: string, fallback: string[], example: string): string[] {
    const value = this.json(key, example);
    if (value === undefined) return fallback;
    if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
      this.problem(key, "must be a list of strings", example);
      return fallback;
    }
    return value as string[];
  }
}

/** Loads and validates the stack configuration; throws StackConfigError listing every problem. */
export function loadConfig(): StackConfig {
  const project = pulumi.getProject();
  const stack = pulumi.getStack();
  const c = new ConfigReader(project, stack);

  // --- environment ---------------------------------------------------------------------------------------
  const stackDefault: Environment | undefined = stack === "dev" || stack === "prod" ? stack : undefined;
  let environment: Environment = stackDefault ?? "prod";
  const envRaw = c.raw("environment");
  if (envRaw === undefined && stackDefault === undefined) {
    c.problem("environment", `is required for stack "${stack}" (dev or prod)`, "prod");
  } else if (envRaw !== undefined) {
    environment = c.oneOf<Environment>("environment", ["dev", "prod"], environment);
  }
  const prod = environment === "prod";
  const byEnv = <T>(dev: T, prodValue: T): T => (prod ? prodValue : dev);

  const region = new pulumi.Config("aws").get("region") ?? "";
  if (region === "") {
    c.problems.push(
      `aws:region is required; set it with: pulumi config set aws:region us-east-1 -s ${stack}`,
    );
  }

  const deletionProtection = c.boolean("deletionProtection", prod);
  if (prod && !deletionProtection) {
    c.problem("deletionProtection", "must be true in prod (stateful resources are protected)", "true");
  }
  const kmsDeletionWindowDays = c.integer("kmsDeletionWindowDays", byEnv(7, 30), 7, 30);

  // --- network -------------------------------------------------------------------------------------------
  const vpcCidr = c.string("vpcCidr", "10.40.0.0/16");
  const parsedVpc = parseCidr(vpcCidr);
  if (parsedVpc?.prefix !== 16 || parsedVpc.octets[2] !== 0 || parsedVpc.octets[3] !== 0) {
    c.problem("vpcCidr", `must be an IPv4 /16 such as 10.40.0.0/16, got "${vpcCidr}"`, "10.40.0.0/16");
  }
  const availabilityZoneCount = c.integer("availabilityZoneCount", byEnv(2, 3), 2, 4);
  if (prod && availabilityZoneCount < 3) {
    c.problem("availabilityZoneCount", `must be >= 3 in prod, got ${availabilityZoneCount}`, "3");
  }
  const natGateways = c.oneOf<NatGatewayStrategy>(
    "natGateways",
    ["single", "perAz"],
    byEnv("single", "perAz"),
  );
  if (prod && natGateways !== "perAz") {
    c.problem("natGateways", "must be perAz in prod (one NAT gateway per availability zone)", "perAz");
  }

  const logRetentionDays = c.integer("logRetentionDays", byEnv(30, 365), 1, 3653);
  if (!CLOUDWATCH_RETENTION_DAYS.includes(logRetentionDays)) {
    c.problem(
      "logRetentionDays",
      `must be a CloudWatch Logs retention period (${CLOUDWATCH_RETENTION_DAYS.join(", ")}), got ${logRetentionDays}`,
      String(byEnv(30, 365)),
    );
  } else if (prod && logRetentionDays < 365) {
    c.problem("logRetentionDays", `must be >= 365 in prod (audit evidence), got ${logRetentionDays}`, "365");
  }

  // --- cluster -------------------------------------------------------------------------------------------
  const clusterName = c.string("clusterName", `clinical-inference-${stack}`);
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/.test(clusterName)) {
    c.problem("clusterName", "must be 1-100 letters, digits, - or _", `clinical-inference-${stack}`);
  }
  const kubernetesVersion = c.string("kubernetesVersion", "1.33");
  const k8sMatch = /^1\.(\d{2})$/.exec(kubernetesVersion);
  if (!k8sMatch || Number(k8sMatch[1]) < 30) {
    c.problem(
      "kubernetesVersion",
      `must be a pinned EKS minor version >= 1.30, got "${kubernetesVersion}"`,
      "1.33",
    );
  }
  const endpointPublicAccess = c.boolean("clusterEndpointPublicAccess", !prod);
  const publicAccessCidrs = c.stringList(
    "clusterPublicAccessCidrs",
    prod ? [] : ["0.0.0.0/0"],
    '["203.0.113.0/24"]',
  );
  for (const cidr of publicAccessCidrs) {
    if (!parseCidr(cidr)) {
      c.problem(
        "clusterPublicAccessCidrs",
        `contains "${cidr}", which is not an IPv4 CIDR`,
        '["203.0.113.0/24"]',
      );
    }
  }
  if (prod && endpointPublicAccess) {
    if (publicAccessCidrs.length === 0) {
      c.problem(
        "clusterPublicAccessCidrs",
        "must list the networks allowed to reach the public API endpoint in prod",
        '["203.0.113.0/24"]',
      );
    }
    if (publicAccessCidrs.some((cidr) => parseCidr(cidr)?.prefix === 0)) {
      c.problem(
        "clusterPublicAccessCidrs",
        "must not contain 0.0.0.0/0 in prod (the API endpoint would be open to the internet)",
        '["203.0.113.0/24"]',
      );
    }
  }
  const adminPrincipalArns = c.stringList(
    "clusterAdminPrincipalArns",
    [],
    '["arn:aws:iam::123456789012:role/platform-admin"]',
  );
  for (const arn of adminPrincipalArns) {
    if (!IAM_PRINCIPAL_ARN.test(arn)) {
      c.problem(
        "clusterAdminPrincipalArns",
        `contains "${arn}", which is not an IAM role or user ARN`,
        '["arn:aws:iam::123456789012:role/platform-admin"]',
      );
    }
  }

  // --- node pools ----------------------------------------------------------------------------------------
  const systemInstanceType = c.string("systemNodeInstanceType", byEnv("t3.large", "m6i.large"));
  if (!/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(systemInstanceType) || systemInstanceType.startsWith("g")) {
    c.problem(
      "systemNodeInstanceType",
      `must be a CPU EC2 instance type, got "${systemInstanceType}"`,
      "m6i.large",
    );
  }
  const systemNodeCount = c.integer("systemNodeCount", byEnv(2, 3), 1, 20);
  if (prod && systemNodeCount < 2) {
    c.problem("systemNodeCount", `must be >= 2 in prod, got ${systemNodeCount}`, "3");
  }
  const systemNodeMaxCount = c.integer("systemNodeMaxCount", systemNodeCount + 2, 1, 50);
  if (systemNodeMaxCount < systemNodeCount) {
    c.problem(
      "systemNodeMaxCount",
      `must be >= systemNodeCount (${systemNodeCount})`,
      String(systemNodeCount + 2),
    );
  }

  const gpuInstanceType = c.string("gpuInstanceType", "g4dn.xlarge");
  const gpusPerNode = G4DN_GPUS_PER_INSTANCE[gpuInstanceType];
  if (gpusPerNode === undefined) {
    c.problem(
      "gpuInstanceType",
      `must be a g4dn (NVIDIA T4) type: ${Object.keys(G4DN_GPUS_PER_INSTANCE).join(", ")}; got "${gpuInstanceType}"`,
      "g4dn.xlarge",
    );
  }
  const gpuNodeCount = c.integer("gpuNodeCount", byEnv(1, 2), 1, 20);
  if (prod && gpuNodeCount < 2) {
    c.problem("gpuNodeCount", `must be >= 2 in prod, got ${gpuNodeCount}`, "2");
  }
  const gpuNodeMaxCount = c.integer("gpuNodeMaxCount", byEnv(gpuNodeCount, gpuNodeCount + 2), 1, 40);
  if (gpuNodeMaxCount < gpuNodeCount) {
    c.problem("gpuNodeMaxCount", `must be >= gpuNodeCount (${gpuNodeCount})`, String(gpuNodeCount));
  }
  const gpuNodeDiskGiB = c.integer("gpuNodeDiskGiB", 100, 50, 1000);

  const devicePluginVersion = c.string("devicePluginVersion", "v0.17.1");
  if (!SEMVER_TAG.test(devicePluginVersion)) {
    c.problem(
      "devicePluginVersion",
      `must be a pinned release tag like v0.17.1, got "${devicePluginVersion}"`,
      "v0.17.1",
    );
  }

  // --- storage and registry ------------------------------------------------------------------------------
  const modelRepositoryPath = c.string("modelRepositoryPath", MODEL_REPOSITORY_DIR);
  const modelBucketPrefix = c.string("modelBucketPrefix", "models");
  if (!/^[a-z0-9][a-z0-9_-]*(\/[a-z0-9][a-z0-9_-]*)*$/.test(modelBucketPrefix)) {
    c.problem(
      "modelBucketPrefix",
      "must be a relative S3 key prefix without leading/trailing slash",
      "models",
    );
  }
  const ecrRepositoryName = c.string("ecrRepositoryName", "clinical-inference-gateway");
  if (!/^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/.test(ecrRepositoryName)) {
    c.problem("ecrRepositoryName", "must be a lowercase ECR repository name", "clinical-inference-gateway");
  }
  const ecrUntaggedExpiryDays = c.integer("ecrUntaggedExpiryDays", 7, 1, 365);
  const ecrKeepLastImages = c.integer("ecrKeepLastImages", 30, 1, 1000);

  // --- workloads -----------------------------------------------------------------------------------------
  const namespace = (key: string, fallback: string): string => {
    const value = c.string(key, fallback);
    if (!DNS_LABEL.test(value)) c.problem(key, `must be a DNS-1123 label, got "${value}"`, fallback);
    return value;
  };
  const gatewayNamespace = namespace("gatewayNamespace", "gateway");
  const tritonNamespace = namespace("tritonNamespace", "triton");
  const monitoringNamespace = namespace("monitoringNamespace", "monitoring");
  const tritonServiceAccount = namespace("tritonServiceAccount", "triton");

  const gatewayImageTag = c.string("gatewayImageTag", undefined);
  if (gatewayImageTag === undefined && prod) {
    c.problem(
      "gatewayImageTag",
      "is required in prod (an immutable tag pushed to the stack's ECR repository)",
      "1.4.2",
    );
  } else if (
    gatewayImageTag !== undefined &&
    (!IMAGE_TAG.test(gatewayImageTag) || gatewayImageTag === "latest")
  ) {
    c.problem(
      "gatewayImageTag",
      `must be an immutable image tag (not "latest"), got "${gatewayImageTag}"`,
      "1.4.2",
    );
  }
  const gatewayMinReplicas = c.integer("gatewayMinReplicas", byEnv(1, 2), 1, 50);
  if (prod && gatewayMinReplicas < 2) {
    c.problem("gatewayMinReplicas", `must be >= 2 in prod, got ${gatewayMinReplicas}`, "2");
  }
  const gatewayMaxReplicas = c.integer("gatewayMaxReplicas", byEnv(3, 10), 1, 100);
  if (gatewayMaxReplicas < gatewayMinReplicas) {
    c.problem(
      "gatewayMaxReplicas",
      `must be >= gatewayMinReplicas (${gatewayMinReplicas})`,
      String(gatewayMinReplicas),
    );
  }

  const tritonImage = c.string("tritonImage", "nvcr.io/nvidia/tritonserver:24.12-py3");
  if (/:latest$/.test(tritonImage) || !tritonImage.includes(":")) {
    c.problem(
      "tritonImage",
      `must pin a release, "latest" and untagged images are refused; got "${tritonImage}"`,
      "nvcr.io/nvidia/tritonserver:24.12-py3",
    );
  } else if (!TRITON_IMAGE.test(tritonImage)) {
    c.problem(
      "tritonImage",
      `must be nvcr.io/nvidia/tritonserver:<yy.mm>-py3, got "${tritonImage}"`,
      "nvcr.io/nvidia/tritonserver:24.12-py3",
    );
  }
  const gpuCapacity = gpuNodeCount * (gpusPerNode ?? 1);
  const tritonReplicas = c.integer("tritonReplicas", gpuCapacity, 1, 64);
  if (tritonReplicas > gpuCapacity) {
    c.problem(
      "tritonReplicas",
      `must be <= the GPUs in the pool (${gpuCapacity} = gpuNodeCount x GPUs per ${gpuInstanceType}), got ${tritonReplicas}`,
      String(gpuCapacity),
    );
  }
  // Only when set explicitly: the default follows gpuNodeCount, which already has its own prod rule.
  if (prod && tritonReplicas < 2 && c.raw("tritonReplicas") !== undefined) {
    c.problem("tritonReplicas", `must be >= 2 in prod, got ${tritonReplicas}`, "2");
  }
  const modelName = c.string("modelName", "distilbert_sst2");
  if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(modelName)) {
    c.problem("modelName", `must be a Triton model directory name, got "${modelName}"`, "distilbert_sst2");
  }
  const modelVersion = c.string("modelVersion", "1");
  if (!/^[1-9]\d{0,8}$/.test(modelVersion)) {
    c.problem(
      "modelVersion",
      `must be a positive integer (the Triton version directory), got "${modelVersion}"`,
      "1",
    );
  }
  const maxBatchSize = c.integer("maxBatchSize", 16, 1, 64);
  const tensorrtFp16 = c.boolean("tensorrtFp16", false);

  const certificateArn = c.string("certificateArn", undefined);
  const exampleCert = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000";
  if (certificateArn === undefined && prod) {
    c.problem(
      "certificateArn",
      "is required in prod (the ALB terminates TLS with this ACM certificate)",
      exampleCert,
    );
  } else if (certificateArn !== undefined && !ACM_ARN.test(certificateArn)) {
    c.problem("certificateArn", `must be an ACM certificate ARN, got "${certificateArn}"`, exampleCert);
  }
  const allowInsecureHttp = c.boolean("allowInsecureHttp", false);
  if (prod && allowInsecureHttp) {
    c.problem("allowInsecureHttp", "is forbidden in prod (PHI must only travel over TLS)", "false");
  }
  if (!prod && certificateArn === undefined && !allowInsecureHttp) {
    c.problem(
      "certificateArn",
      "is required unless allowInsecureHttp is true (dev only); either set a certificate or run: " +
        c.fix("allowInsecureHttp", "true"),
      exampleCert,
    );
  }
  const albControllerChartVersion = c.string("albControllerChartVersion", "1.13.0");
  if (!SEMVER.test(albControllerChartVersion)) {
    c.problem(
      "albControllerChartVersion",
      `must be a pinned chart version like 1.13.0, got "${albControllerChartVersion}"`,
      "1.13.0",
    );
  }

  const jwtIssuer = c.string("jwtIssuer", undefined);
  const jwtJwksUrl = c.string("jwtJwksUrl", undefined);
  if ((jwtIssuer === undefined) !== (jwtJwksUrl === undefined)) {
    const missing = jwtIssuer === undefined ? "jwtIssuer" : "jwtJwksUrl";
    c.problem(
      missing,
      "must be set together with " +
        (missing === "jwtIssuer" ? "jwtJwksUrl" : "jwtIssuer") +
        " (external IdP: both or neither)",
      missing === "jwtIssuer" ? "https://idp.example.org/" : "https://idp.example.org/.well-known/jwks.json",
    );
  }
  if (jwtIssuer !== undefined && !isHttpsUrl(jwtIssuer)) {
    c.problem("jwtIssuer", `must be an https:// URL, got "${jwtIssuer}"`, "https://idp.example.org/");
  }
  if (jwtJwksUrl !== undefined && !isHttpsUrl(jwtJwksUrl)) {
    c.problem(
      "jwtJwksUrl",
      `must be an https:// URL, got "${jwtJwksUrl}"`,
      "https://idp.example.org/.well-known/jwks.json",
    );
  }

  const clientsExample = '[{"clientId":"ehr-integration","scopes":["inference:invoke"]}]';
  const oauthClients: OAuthClientConfig[] = [];
  const clientsRaw = c.json("oauthClients", clientsExample);
  if (clientsRaw !== undefined) {
    if (!Array.isArray(clientsRaw)) {
      c.problem("oauthClients", "must be a list of {clientId, scopes}", clientsExample);
    } else {
      for (const [i, entry] of clientsRaw.entries()) {
        const clientId = (entry as { clientId?: unknown })?.clientId;
        const scopes = (entry as { scopes?: unknown })?.scopes;
        if (typeof clientId !== "string" || !/^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$/.test(clientId)) {
          c.problem(
            "oauthClients",
            `entry ${i} needs a clientId of 3-64 letters, digits, . _ -`,
            clientsExample,
          );
          continue;
        }
        if (oauthClients.some((existing) => existing.clientId === clientId)) {
          c.problem("oauthClients", `lists clientId "${clientId}" twice`, clientsExample);
          continue;
        }
        if (!Array.isArray(scopes) || scopes.length === 0 || !scopes.every(isScope)) {
          c.problem(
            "oauthClients",
            `client "${clientId}" needs scopes from ${ALL_SCOPES.join(", ")}`,
            clientsExample,
          );
          continue;
        }
        oauthClients.push({ clientId, scopes: [...new Set(scopes)] });
      }
    }
  }
  let oauthClientSecrets: pulumi.Output<Record<string, string>> | undefined;
  if (oauthClients.length > 0) {
    const secretExample = '{"ehr-integration":"<secret>"}';
    // Checked synchronously so a missing secret fails before anything is planned; the value leaves this
    // module only as the secret Output from requireSecretObject.
    const plain = c.json("oauthClientSecrets", secretExample) as Record<string, unknown> | undefined;
    const missing = oauthClients
      .map((client) => client.clientId)
      .filter((id) => typeof plain?.[id] !== "string" || (plain[id] as string).length < 16);
    if (plain === undefined || missing.length > 0) {
      c.problem(
        "oauthClientSecrets",
        `needs a secret of at least 16 characters for each OAuth client (missing or short: ${missing.join(", ")})`,
        secretExample,
        true,
      );
    } else {
      oauthClientSecrets = new pulumi.Config(project).requireSecretObject<Record<string, string>>(
        "oauthClientSecrets",
      );
    }
  }

  const signingKeyGeneration = c.integer("jwtSigningKeyGeneration", 1, 1, 1_000_000);
  const serviceMonitor = c.boolean("serviceMonitor", false);

  if (c.problems.length > 0) throw new StackConfigError(c.problems);

  return {
    project,
    stack,
    environment,
    region,
    deletionProtection,
    kmsDeletionWindowDays,
    tags: { project, stack, environment, "managed-by": "pulumi" },
    network: { vpcCidr, availabilityZoneCount, natGateways, flowLogRetentionDays: logRetentionDays },
    cluster: {
      name: clusterName,
      kubernetesVersion,
      endpointPublicAccess,
      publicAccessCidrs: endpointPublicAccess ? publicAccessCidrs : [],
      adminPrincipalArns,
      logRetentionDays,
    },
    systemNodes: {
      instanceType: systemInstanceType,
      desiredCount: systemNodeCount,
      minCount: systemNodeCount,
      maxCount: systemNodeMaxCount,
      diskSizeGiB: 50,
    },
    gpuNodes: {
      instanceType: gpuInstanceType,
      desiredCount: gpuNodeCount,
      minCount: gpuNodeCount,
      maxCount: gpuNodeMaxCount,
      diskSizeGiB: gpuNodeDiskGiB,
      gpusPerNode: gpusPerNode ?? 1,
    },
    devicePlugin: {
      version: devicePluginVersion,
      image: `nvcr.io/nvidia/k8s-device-plugin:${devicePluginVersion}`,
    },
    modelRepository: { localPath: modelRepositoryPath, bucketPrefix: modelBucketPrefix },
    imageRegistry: {
      repositoryName: ecrRepositoryName,
      untaggedExpiryDays: ecrUntaggedExpiryDays,
      keepLastImages: ecrKeepLastImages,
    },
    workloads: {
      namespaces: { gateway: gatewayNamespace, triton: tritonNamespace, monitoring: monitoringNamespace },
      gateway: {
        imageTag: gatewayImageTag,
        minReplicas: gatewayMinReplicas,
        maxReplicas: gatewayMaxReplicas,
      },
      triton: {
        image: tritonImage,
        replicas: tritonReplicas,
        serviceAccountName: tritonServiceAccount,
        modelName,
        modelVersion,
        maxBatchSize,
        tensorrtFp16,
      },
      ingress: { certificateArn, allowInsecureHttp, albControllerChartVersion },
      auth: { jwtIssuer, jwtJwksUrl, oauthClients, signingKeyGeneration, oauthClientSecrets },
      monitoring: { serviceMonitor, namespace: monitoringNamespace },
    },
  };
}
