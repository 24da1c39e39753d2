/** The validated stack configuration, as components receive it (read by components/config.ts). */
import type { OAuthScope } from "@clinical-inference/gateway/deployment-contract";
import type * as pulumi from "@pulumi/pulumi";
import type { StackModelVariant } from "../../triton-models/tools/model-config/variants";
import type { AutoscalingConfig } from "./autoscaling";
import type { EdgeProtectionConfig } from "./edge-protection";
import type { GpuCapacityConfig } from "./gpu-capacity";

export type { OAuthScope };
export type Environment = "dev" | "prod";
export type NatGatewayStrategy = "single" | "perAz";

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
  /** IAM principals granted read-only access (AmazonEKSAdminViewPolicy), e.g. the PR preview role. */
  viewerPrincipalArns: string[];
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
    /** Tag in the stack's ECR repository; undefined until one is pushed (the AWS layer deploys alone). */
    imageTag: string | undefined;
    minReplicas: number;
    maxReplicas: number;
    /** HPA targets (components/config/autoscaling.ts): CPU %, backend requests in flight per pod. */
    targetCpuUtilization?: number;
    targetInflightRequests?: number;
    /** Triton may be at zero replicas (dev): readiness must not wait for it, or no request could wake it. */
    backendScalesToZero?: boolean;
  };
  triton: {
    /** Pinned nvcr.io/nvidia/tritonserver:<yy.mm>-py3 */
    image: string;
    replicas: number;
    /** KEDA's maximum: with autoscaling, the count a rollout must work at (components/workloads.ts). */
    maxReplicas?: number;
    /** KEDA owns the replica count (components/autoscaling.ts): the Deployment sets none. */
    autoscaled?: boolean;
    /**
     * GPUs a rollout can count on: gpuNodeCount x GPUs per node, or with autoscaling (components/config.ts)
     * what the managed pool and Karpenter can grow to, against KEDA's maximum (`maxReplicas`).
     */
    gpuCapacity: number;
    serviceAccountName: string;
    modelName: string;
    /** Positive integer as a string: the Triton version directory. */
    modelVersion: string;
    maxBatchSize: number;
    tensorrtFp16: boolean;
    /** tritonModelVariant: the GPU model (model.onnx) or the CPU int8 one (model.int8.onnx, KIND_CPU). */
    modelVariant: StackModelVariant;
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
  /** Prometheus, KEDA and the replica ranges they scale within. */
  autoscaling: AutoscalingConfig;
  /** Karpenter's GPU nodes above the managed GPU pool. */
  gpuCapacity: GpuCapacityConfig;
  /** WAF and access logs in front of the ALB. */
  edgeProtection: EdgeProtectionConfig;
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
  /** false: remove the workload layer on purpose (otherwise a missing gatewayImageTag never deletes it). */
  workloadsEnabled: boolean;
  workloads: WorkloadConfig;
}
