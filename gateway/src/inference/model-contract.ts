/**
 * The tensor contract every served model version must satisfy, checked against ONNX Runtime's session metadata
 * (embedded) and against Triton's model metadata (triton) before the backend reports ready.
 */
export const INPUT_IDS = "input_ids";
export const ATTENTION_MASK = "attention_mask";
export const LOGITS = "logits";
export const NUM_LABELS = 2;

export interface TensorSpec {
  name: string;
  datatype: string;
  shape: readonly (number | string)[];
}

/** A dimension is variable when it is -1 (Triton) or symbolic/unspecified (ONNX). */
function isVariable(dim: number | string | undefined): boolean {
  return typeof dim === "string" || dim === -1;
}

/**
 * Compares inputs/outputs with the contract: inputs input_ids and attention_mask, INT64, [batch, sequence] with
 * both dimensions variable (buckets send several lengths); output logits, FP32, [batch, 2].
 * Returns human-readable mismatches; empty means compatible. `int64`/`float32` spellings (ONNX) and
 * `INT64`/`FP32` (KServe v2) are both accepted.
 */
export function contractMismatches(inputs: readonly TensorSpec[], outputs: readonly TensorSpec[]): string[] {
  const problems: string[] = [];
  const norm = (d: string) =>
    d
      .toUpperCase()
      .replace(/^FLOAT32$/, "FP32")
      .replace(/^FLOAT$/, "FP32");
  for (const name of [INPUT_IDS, ATTENTION_MASK]) {
    const spec = inputs.find((i) => i.name === name);
    if (spec === undefined) {
      problems.push(
        `input "${name}" is missing (model has ${inputs.map((i) => i.name).join(", ") || "none"})`,
      );
      continue;
    }
    if (norm(spec.datatype) !== "INT64") problems.push(`input "${name}" is ${spec.datatype}, expected INT64`);
    if (spec.shape.length !== 2 || !isVariable(spec.shape[0]) || !isVariable(spec.shape[1])) {
      problems.push(
        `input "${name}" has shape [${spec.shape.join(",")}], expected [-1,-1] (batch, sequence)`,
      );
    }
  }
  const logits = outputs.find((o) => o.name === LOGITS);
  if (logits === undefined) {
    problems.push(
      `output "${LOGITS}" is missing (model has ${outputs.map((o) => o.name).join(", ") || "none"})`,
    );
  } else {
    if (norm(logits.datatype) !== "FP32")
      problems.push(`output "${LOGITS}" is ${logits.datatype}, expected FP32`);
    if (logits.shape.length !== 2 || !isVariable(logits.shape[0]) || logits.shape[1] !== NUM_LABELS) {
      problems.push(`output "${LOGITS}" has shape [${logits.shape.join(",")}], expected [-1,${NUM_LABELS}]`);
    }
  }
  return problems;
}
