import { byEnv, type ConfigReader, type SectionContext } from "./reader";
import { CPU_INSTANCE_TYPE, G4DN_GPUS_PER_INSTANCE, RELEASE_TAG } from "./rules";
import type { DevicePluginConfig, GpuNodePoolConfig, NodePoolConfig } from "./types";

export interface NodePoolsSettings {
  systemNodes: NodePoolConfig;
  gpuNodes: GpuNodePoolConfig;
  devicePlugin: DevicePluginConfig;
}

/** The CPU system pool, the T4 GPU pool and the NVIDIA device plugin that advertises its GPUs. */
export function readNodePools(c: ConfigReader, ctx: SectionContext): NodePoolsSettings {
  const systemInstanceType = c.string("systemNodeInstanceType", byEnv(ctx, "t3.large", "m6i.large"));
  if (!CPU_INSTANCE_TYPE.test(systemInstanceType) || systemInstanceType.startsWith("g")) {
    c.problem(
      "systemNodeInstanceType",
      `must be a CPU EC2 instance type, got "${systemInstanceType}"`,
      "m6i.large",
    );
  }
  const systemNodeCount = c.integer("systemNodeCount", byEnv(ctx, 2, 3), 1, 20);
  if (ctx.prod && systemNodeCount < 2) {
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
  // The GPU nodes that are always there (the managed pool). 0 (dev only): every GPU comes from Karpenter
  // when a Triton pod needs one, so an idle dev stack pays for no GPU at all.
  const gpuNodeCount = c.integer("gpuNodeCount", byEnv(ctx, 1, 2), 0, 20);
  if (ctx.prod && gpuNodeCount === 0) {
    c.problem("gpuNodeCount", "must be >= 2 in prod (GPUs scale to zero in dev only), got 0", "2");
  } else if (ctx.prod && gpuNodeCount < 2) {
    c.problem("gpuNodeCount", `must be >= 2 in prod, got ${gpuNodeCount}`, "2");
  }
  const gpuNodeMaxCount = c.integer(
    "gpuNodeMaxCount",
    byEnv(ctx, Math.max(gpuNodeCount, 1), gpuNodeCount + 2),
    1,
    40,
  );
  if (gpuNodeMaxCount < gpuNodeCount) {
    c.problem("gpuNodeMaxCount", `must be >= gpuNodeCount (${gpuNodeCount})`, String(gpuNodeCount));
  }
  const gpuNodeDiskGiB = c.integer("gpuNodeDiskGiB", 100, 50, 1000);

  const devicePluginVersion = c.string("devicePluginVersion", "v0.17.1");
  if (!RELEASE_TAG.test(devicePluginVersion)) {
    c.problem(
      "devicePluginVersion",
      `must be a pinned release tag like v0.17.1, got "${devicePluginVersion}"`,
      "v0.17.1",
    );
  }
  return {
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
  };
}
