/**
 * The clinical inference platform stack. This file only wires components together from the validated stack
 * configuration and exports the stack outputs; every decision lives in components/.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { Autoscaling } from "./components/autoscaling";
import { Cluster } from "./components/cluster";
import { loadConfig } from "./components/config";
import { decideWorkloadLayer, previousState, refuseOn } from "./components/deployed-state";
import { NvidiaDevicePlugin } from "./components/device-plugin";
import { EdgeProtection } from "./components/edge-protection";
import { ImageRegistry } from "./components/image-registry";
import { Karpenter } from "./components/karpenter";
import { ModelRepository } from "./components/model-repository";
import { Network, subnetTiers } from "./components/network";
import { NodePools } from "./components/node-pools";
import { Prometheus } from "./components/prometheus";
import { renderTritonModelConfig, requireVariantModelFile } from "./components/triton-model-config";
import { Workloads } from "./components/workloads";

const config = loadConfig();
const { tags } = config;

// --- AWS layer ---------------------------------------------------------------------------------------------
const network = new Network("network", {
  config: config.network,
  region: config.region,
  clusterName: config.cluster.name,
  tags,
});
const subnets = subnetTiers(config.network);

const cluster = new Cluster("cluster", {
  config: config.cluster,
  vpcId: network.vpcId,
  publicSubnetIds: network.publicSubnetIds,
  privateSubnetIds: network.privateSubnetIds,
  deletionProtection: config.deletionProtection,
  kmsDeletionWindowDays: config.kmsDeletionWindowDays,
  tags,
});

const nodePools = new NodePools("nodes", {
  cluster: cluster.eksCluster,
  clusterName: cluster.name,
  kubernetesVersion: config.cluster.kubernetesVersion,
  subnetIds: network.privateSubnetIds,
  system: config.systemNodes,
  gpu: config.gpuNodes,
  tags,
});

new NvidiaDevicePlugin("nvidia-device-plugin", {
  provider: cluster.provider,
  image: config.devicePlugin.image,
});

const modelRepositoryPath = path.resolve(__dirname, config.modelRepository.localPath);
requireVariantModelFile(modelRepositoryPath, config.workloads.triton);
const tritonModelConfig = renderTritonModelConfig(modelRepositoryPath, config.workloads.triton);

const modelRepository = new ModelRepository("model-repository", {
  localPath: modelRepositoryPath,
  renderedFiles: { [tritonModelConfig.relativePath]: tritonModelConfig.content },
  bucketPrefix: config.modelRepository.bucketPrefix,
  modelName: config.workloads.triton.modelName,
  modelVersion: config.workloads.triton.modelVersion,
  requireModelArtifact: config.environment === "prod",
  deletionProtection: config.deletionProtection,
  oidcProviderArn: cluster.oidcProviderArn,
  oidcIssuer: cluster.oidcIssuer,
  serviceAccountNamespace: config.workloads.namespaces.triton,
  serviceAccountName: config.workloads.triton.serviceAccountName,
  tags,
});

const imageRegistry = new ImageRegistry("image-registry", {
  config: config.imageRegistry,
  deletionProtection: config.deletionProtection,
  tags,
});

const edgeProtection = new EdgeProtection("edge", {
  config: config.edgeProtection,
  clusterName: config.cluster.name,
  deletionProtection: config.deletionProtection,
  tags,
});

// --- Workload layer ----------------------------------------------------------------------------------------
// Without a gateway image there is nothing to run in front of Triton: the AWS layer deploys alone. What the
// stack's state already runs decides whether that is allowed (components/deployed-state.ts).
const gatewayImageTag = config.workloads.gateway.imageTag;
const layer = decideWorkloadLayer(previousState(), {
  imageTag: gatewayImageTag,
  workloadsEnabled: config.workloadsEnabled,
  stack: config.stack,
  repositoryName: config.imageRegistry.repositoryName,
});
const layerChecked = refuseOn(layer.problem);
if (gatewayImageTag === undefined) {
  pulumi.log.warn(
    "gatewayImageTag is not set: the Kubernetes workloads (gateway, Triton, ingress) are not deployed. " +
      "Push the gateway image to the ECR repository, then: pulumi config set gatewayImageTag <tag>",
  );
}
// The gateway's image waits for the checks: no Deployment is sent with an image that cannot exist.
const checkedRegistry = {
  imageReference: (tag: string) =>
    pulumi.all([layerChecked, imageRegistry.imageReference(tag)]).apply(([, image]) => image),
};
const deployWorkloads = layer.deployWorkloads && gatewayImageTag !== undefined;
// Metrics first: the workloads' ServiceMonitors need the Prometheus Operator's CRDs.
const prometheus = deployWorkloads
  ? new Prometheus(
      "prometheus",
      {
        provider: cluster.provider,
        namespace: config.workloads.namespaces.monitoring,
        chartVersion: config.autoscaling.prometheusChartVersion,
        adapterChartVersion: config.autoscaling.prometheusAdapterChartVersion,
        retentionDays: config.autoscaling.prometheusRetentionDays,
      },
      { dependsOn: [nodePools] },
    )
  : undefined;
const workloads =
  !deployWorkloads || gatewayImageTag === undefined
    ? undefined
    : new Workloads("workloads", {
        provider: cluster.provider,
        environment: config.environment,
        region: config.region,
        clusterName: cluster.name,
        vpcId: network.vpcId,
        vpcCidr: config.network.vpcCidr,
        albSubnetCidrs: subnets.publicCidrs,
        privateSubnetCidrs: subnets.privateCidrs,
        s3Cidrs: network.s3Cidrs,
        oidcProviderArn: cluster.oidcProviderArn,
        oidcIssuer: cluster.oidcIssuer,
        modelRepositoryUri: modelRepository.repositoryUri,
        tritonRoleArn: modelRepository.tritonRoleArn,
        imageRegistry: checkedRegistry,
        modelConfig: tritonModelConfig.content,
        kubernetesVersion: config.cluster.kubernetesVersion,
        dependsOn: [nodePools, modelRepository, ...(prometheus ? [prometheus.release] : [])],
        settings: config.workloads,
        edge: edgeProtection.albEdge(),
      });

// Elastic capacity: Triton's replicas on its queue time, GPU nodes on Triton's pending pods.
if (workloads && prometheus) {
  new Autoscaling("autoscaling", {
    provider: cluster.provider,
    config: config.autoscaling,
    prometheusUrl: prometheus.url,
    triton: {
      namespace: workloads.namespaceNames.triton,
      deployment: workloads.triton.deployment.metadata.name,
      modelName: config.workloads.triton.modelName,
      namespaceName: config.workloads.namespaces.triton,
    },
    gateway: { namespaceName: config.workloads.namespaces.gateway },
    dependsOn: [workloads.triton.deployment, prometheus.release],
  });
  new Karpenter("karpenter", {
    provider: cluster.provider,
    config: config.gpuCapacity,
    gpu: config.gpuNodes,
    clusterName: cluster.name,
    clusterSecurityGroupId: cluster.clusterSecurityGroupId,
    privateSubnetIds: network.privateSubnetIds,
    nodeRoleArn: nodePools.nodeRoleArn,
    oidcProviderArn: cluster.oidcProviderArn,
    oidcIssuer: cluster.oidcIssuer,
    region: config.region,
    replicas: config.environment === "prod" ? 2 : 1,
    tags,
    dependsOn: [nodePools],
  });
}

// --- Outputs (documented in README.md "Stack outputs") -----------------------------------------------------
export const environment = config.environment;
export const region = config.region;
export const vpcId = network.vpcId;
export const clusterName = cluster.name;
export const kubeconfig = cluster.kubeconfig;
export const oidcProviderArn = cluster.oidcProviderArn;
export const nodeRoleArn = nodePools.nodeRoleArn;
export const modelBucketName = modelRepository.bucketName;
export const modelRepositoryUri = modelRepository.repositoryUri;
export const tritonRoleArn = modelRepository.tritonRoleArn;
export const ecrRepositoryUrl = imageRegistry.repositoryUrl;
/** Read back by the next update (components/deployed-state.ts); fails the update when a check does. */
export const workloadsDeployed = layerChecked.apply(() => workloads !== undefined);
/** Full gateway image reference, when gatewayImageTag is set. */
export const gatewayImage: pulumi.Output<string> | undefined =
  config.workloads.gateway.imageTag === undefined
    ? undefined
    : imageRegistry.imageReference(config.workloads.gateway.imageTag);

// --- Workload outputs (undefined until gatewayImageTag is set) ---------------------------------------------
export const gatewayUrl = workloads?.gatewayUrl;
export const gatewayHostname = workloads?.gatewayHostname;
export const jwtIssuer = workloads?.jwtIssuer;
export const jwks = workloads?.jwks;
export const jwtJwksUrl = workloads?.jwtJwksUrl;
export const tritonUrl = workloads?.tritonUrl;
export const namespaces = workloads?.namespaceNames;
export const webAclArn = edgeProtection.webAclArn;
export const accessLogsBucketName = edgeProtection.accessLogsBucketName;
