import { DEFAULT_MODEL_NAME } from "@clinical-inference/gateway/deployment-contract";
import { STACK_MODEL_VARIANTS } from "../../triton-models/tools/model-config/variants";
import { gatewayPodsSystemNodesHold } from "../system-capacity";
import { byEnv, type ConfigReader, type SectionContext } from "./reader";
import {
  DNS_LABEL,
  IMAGE_TAG,
  isModelVersion,
  isReplicaRange,
  MUTABLE_TAG,
  TRITON_IMAGE,
  TRITON_MODEL_NAME,
} from "./rules";
import type { GpuNodePoolConfig, NodePoolConfig, WorkloadConfig } from "./types";

const TRITON_IMAGE_EXAMPLE = "nvcr.io/nvidia/tritonserver:24.12-py3";

function namespace(c: ConfigReader, key: string, fallback: string): string {
  const value = c.string(key, fallback);
  if (!DNS_LABEL.test(value)) c.problem(key, `must be a DNS-1123 label, got "${value}"`, fallback);
  return value;
}

export function readNamespaces(
  c: ConfigReader,
): WorkloadConfig["namespaces"] & { tritonServiceAccount: string } {
  return {
    gateway: namespace(c, "gatewayNamespace", "gateway"),
    triton: namespace(c, "tritonNamespace", "triton"),
    monitoring: namespace(c, "monitoringNamespace", "monitoring"),
    tritonServiceAccount: namespace(c, "tritonServiceAccount", "triton"),
  };
}

/** The gateway image and its autoscaling range, whose maximum must fit on the system nodes. */
export function readGateway(
  c: ConfigReader,
  ctx: SectionContext,
  systemNodes: NodePoolConfig,
): WorkloadConfig["gateway"] {
  const imageTag = c.string("gatewayImageTag", undefined);
  // Optional in every stack: the first `up` creates the ECR repository the image is pushed to
  // (components/deployed-state.ts refuses a tag before that, and a missing tag where workloads run).
  if (imageTag !== undefined && (!IMAGE_TAG.test(imageTag) || imageTag === MUTABLE_TAG)) {
    c.problem("gatewayImageTag", `must be an immutable image tag (not "latest"), got "${imageTag}"`, "1.4.2");
  }
  const minReplicas = c.integer("gatewayMinReplicas", byEnv(ctx, 1, 2), 1, 50);
  if (ctx.prod && minReplicas < 2) {
    c.problem("gatewayMinReplicas", `must be >= 2 in prod, got ${minReplicas}`, "2");
  }
  // Nothing adds system nodes yet (no cluster autoscaler): the HPA may only ask for pods the pool holds.
  const fits = gatewayPodsSystemNodesHold(systemNodes.instanceType, systemNodes.desiredCount);
  const maxReplicas = c.integer("gatewayMaxReplicas", Math.min(byEnv(ctx, 3, 10), fits ?? 100), 1, 100);
  if (!isReplicaRange(minReplicas, maxReplicas)) {
    c.problem("gatewayMaxReplicas", `must be >= gatewayMinReplicas (${minReplicas})`, String(minReplicas));
  } else if (fits !== undefined && maxReplicas > fits) {
    c.problem(
      "gatewayMaxReplicas",
      `must be <= ${fits}, the gateway pods ${systemNodes.desiredCount} ${systemNodes.instanceType} system nodes ` +
        `hold next to the cluster add-ons (nothing adds system nodes; or raise systemNodeCount), got ${maxReplicas}`,
      String(fits),
    );
  }
  return { imageTag, minReplicas, maxReplicas };
}

/** Triton's image, replica count (bounded by the GPUs in the pool) and the model it serves. */
export function readTriton(
  c: ConfigReader,
  ctx: SectionContext,
  gpuNodes: GpuNodePoolConfig,
  serviceAccountName: string,
): WorkloadConfig["triton"] {
  const image = c.string("tritonImage", TRITON_IMAGE_EXAMPLE);
  if (image.endsWith(`:${MUTABLE_TAG}`) || !image.includes(":")) {
    c.problem(
      "tritonImage",
      `must pin a release, "latest" and untagged images are refused; got "${image}"`,
      TRITON_IMAGE_EXAMPLE,
    );
  } else if (!TRITON_IMAGE.test(image)) {
    c.problem(
      "tritonImage",
      `must be nvcr.io/nvidia/tritonserver:<yy.mm>-py3, got "${image}"`,
      TRITON_IMAGE_EXAMPLE,
    );
  }
  const gpuCapacity = gpuNodes.desiredCount * gpuNodes.gpusPerNode;
  // Bounded by what the pool can grow to: with gpuNodeCount 0 (dev) every GPU comes from Karpenter.
  const growable = gpuNodes.maxCount * gpuNodes.gpusPerNode;
  const replicas = c.integer("tritonReplicas", Math.max(1, gpuCapacity), 1, 64);
  if (replicas > growable) {
    c.problem(
      "tritonReplicas",
      `must be <= the GPUs in the pool (${growable} = gpuNodeMaxCount x GPUs per ${gpuNodes.instanceType}), got ${replicas}`,
      String(growable),
    );
  }
  // Only when set explicitly: the default follows gpuNodeCount, which already has its own prod rule.
  if (ctx.prod && replicas < 2 && c.raw("tritonReplicas") !== undefined) {
    c.problem("tritonReplicas", `must be >= 2 in prod, got ${replicas}`, "2");
  }
  const modelName = c.string("modelName", DEFAULT_MODEL_NAME);
  if (!TRITON_MODEL_NAME.test(modelName)) {
    c.problem("modelName", `must be a Triton model directory name, got "${modelName}"`, DEFAULT_MODEL_NAME);
  }
  const modelVersion = c.string("modelVersion", "1");
  if (!isModelVersion(modelVersion)) {
    c.problem(
      "modelVersion",
      `must be a positive integer (the Triton version directory), got "${modelVersion}"`,
      "1",
    );
  }
  return {
    image,
    replicas,
    gpuCapacity,
    serviceAccountName,
    modelName,
    modelVersion,
    maxBatchSize: c.integer("maxBatchSize", 16, 1, 64),
    tensorrtFp16: c.boolean("tensorrtFp16", false),
    modelVariant: c.oneOf("tritonModelVariant", STACK_MODEL_VARIANTS, "gpu"),
  };
}
