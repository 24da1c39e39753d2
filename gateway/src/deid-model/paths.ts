import { join } from "node:path";

/**
 * The committed model, built by `npm run deid-model:train -w gateway` (gateway/deid-model/README.md). Kept apart
 * from the ONNX Runtime wrapper so configuration can name it without loading the runtime.
 */
export const DEFAULT_DEID_MODEL_PATH = join(__dirname, "..", "..", "deid-model", "model.onnx");

/** DEID_MODEL: the learned detector runs beside the rules unless turned off. */
export type DeidModelSetting = { kind: "off" } | { kind: "file"; path: string };
