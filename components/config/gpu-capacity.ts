/** Karpenter: the elastic GPU capacity above the managed GPU pool, and how long an idle GPU node may stay. */
import { byEnv, type ConfigReader, type SectionContext } from "./reader";
import { CHART_VERSION } from "./rules";

export interface GpuCapacityConfig {
  karpenterChartVersion: string;
  /** EC2NodeClass AMI alias, pinned: al2023@vYYYYMMDD (Karpenter picks the NVIDIA variant for GPU types). */
  amiAlias: string;
  /** An empty GPU node is removed after this long (Karpenter consolidateAfter), minutes. */
  idleMinutes: number;
  capacityType: "on-demand" | "spot";
}

export const AMI_ALIAS = /^al2023@v\d{8}$/;

export function readGpuCapacity(c: ConfigReader, ctx: SectionContext): GpuCapacityConfig {
  const karpenterChartVersion = c.string("karpenterChartVersion", "1.8.1");
  if (!CHART_VERSION.test(karpenterChartVersion)) {
    c.problem(
      "karpenterChartVersion",
      `must be a pinned chart version X.Y.Z, got "${karpenterChartVersion}"`,
      "1.8.1",
    );
  }
  const amiAlias = c.string("gpuAmiAlias", "al2023@v20251023");
  if (!AMI_ALIAS.test(amiAlias)) {
    c.problem(
      "gpuAmiAlias",
      `must pin an AL2023 release like al2023@v20251023 ("latest" is refused), got "${amiAlias}"`,
      "al2023@v20251023",
    );
  }
  const capacityType = c.oneOf("gpuCapacityType", ["on-demand", "spot"] as const, "on-demand");
  if (ctx.prod && capacityType === "spot") {
    c.problem("gpuCapacityType", "must be on-demand in prod (spot reclaims GPUs mid-request)", "on-demand");
  }
  return {
    karpenterChartVersion,
    amiAlias,
    idleMinutes: c.integer("gpuNodeIdleMinutes", byEnv(ctx, 10, 30), 1, 1440),
    capacityType,
  };
}
