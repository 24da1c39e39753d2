/** The Triton backend's test configuration: the tiny synthetic model served by a local Triton at `url`. */
import type { BackendConfig } from "../../src/contracts";
import { tinyModelRepository } from "./synthetic-model";

export const MODEL = "distilbert_sst2";
export const modelRepository = tinyModelRepository();

export function config(
  url: string,
  triton: Partial<BackendConfig["triton"]> = {},
  overrides: Partial<BackendConfig> = {},
) {
  const base: BackendConfig = {
    kind: "triton",
    modelRepository,
    modelName: MODEL,
    modelVersion: "1",
    sequenceBuckets: [16, 32, 64, 128, 256, 512],
    batching: { enabled: true, maxBatchSize: 16, maxQueueDelayMs: 2, maxQueueSize: 256 },
    // The local Triton serves model.onnx (fp32): the embedded side must run the same file to compare.
    embedded: { intraOpThreads: 1, interOpThreads: 1, precision: "fp32" },
    triton: { url, timeoutMs: 10_000, retries: 1, binary: true, ...triton },
  };
  return { ...base, ...overrides };
}
