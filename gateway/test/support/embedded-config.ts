/**
 * The embedded backend's test configuration: the setup's tiny synthetic model, the gateway's buckets, one ONNX
 * Runtime thread each way and fp32 (exact arithmetic; embedded-precision.test.ts covers int8). Each test file
 * overrides what its behaviour is about.
 */
import type { BackendConfig } from "../../src/contracts";
import { TINY_MODEL_REPOSITORY } from "./synthetic-model";

export function embeddedTestConfig(
  opts: {
    modelRepository?: string;
    batching?: Partial<BackendConfig["batching"]>;
    embedded?: Partial<BackendConfig["embedded"]>;
  } = {},
): BackendConfig {
  return {
    kind: "embedded",
    modelRepository: opts.modelRepository ?? TINY_MODEL_REPOSITORY,
    modelName: "distilbert_sst2",
    sequenceBuckets: [16, 32, 64, 128, 256, 512],
    batching: { enabled: true, maxBatchSize: 16, maxQueueDelayMs: 2, maxQueueSize: 64, ...opts.batching },
    embedded: { intraOpThreads: 1, interOpThreads: 1, precision: "fp32", ...opts.embedded },
    triton: { url: "http://127.0.0.1:8000", timeoutMs: 2000, retries: 0, binary: true },
  };
}
