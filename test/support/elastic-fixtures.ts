/** Shared by the elastic-capacity tests: a GPU pool that can grow, and schema errors of custom resources. */
import type { GpuNodePoolConfig } from "../../components/config/types";
import { validateManifests } from "./workloads-schema";

/** One g4dn.xlarge always on (the managed pool), up to three in all. */
export const GPU: GpuNodePoolConfig = {
  instanceType: "g4dn.xlarge",
  desiredCount: 1,
  minCount: 1,
  maxCount: 3,
  diskSizeGiB: 100,
  gpusPerNode: 1,
};

/** Every schema violation of these manifests against their CRD models; empty when all are valid. */
export const schemaErrors = (...manifests: object[]): string[] =>
  validateManifests(manifests).flatMap((r) => r.errors);
