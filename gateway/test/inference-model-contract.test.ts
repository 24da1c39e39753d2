import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { contractMismatches, type TensorSpec } from "../src/inference/model-contract";

// Model metadata as the local Triton (GET /v2/models/distilbert_sst2/versions/1) returns it for the contract.
const tritonInputs: TensorSpec[] = [
  { name: "input_ids", datatype: "INT64", shape: [-1, -1] },
  { name: "attention_mask", datatype: "INT64", shape: [-1, -1] },
];
const tritonOutputs: TensorSpec[] = [{ name: "logits", datatype: "FP32", shape: [-1, 2] }];

const replaceInput = (name: string, patch: Partial<TensorSpec>) =>
  tritonInputs.map((i) => (i.name === name ? { ...i, ...patch } : i));

describe("model contract check", () => {
  test("Triton's metadata for the contract passes", () => {
    assert.deepEqual(contractMismatches(tritonInputs, tritonOutputs), []);
  });

  test("ONNX Runtime's spelling with symbolic dimensions passes", () => {
    const inputs = tritonInputs.map((i) => ({ ...i, datatype: "int64", shape: ["batch", "sequence"] }));
    assert.deepEqual(
      contractMismatches(inputs, [{ name: "logits", datatype: "float32", shape: ["batch", 2] }]),
      [],
    );
  });

  test("a renamed input is reported with the names the model has", () => {
    const problems = contractMismatches(replaceInput("input_ids", { name: "ids" }), tritonOutputs);
    assert.deepEqual(problems, ['input "input_ids" is missing (model has ids, attention_mask)']);
  });

  test("an input of the wrong type is reported", () => {
    assert.deepEqual(
      contractMismatches(replaceInput("attention_mask", { datatype: "INT32" }), tritonOutputs),
      ['input "attention_mask" is INT32, expected INT64'],
    );
  });

  test("a fixed sequence length or a missing batch dimension is reported", () => {
    assert.match(
      contractMismatches(replaceInput("input_ids", { shape: [-1, 128] }), tritonOutputs).join(),
      /input "input_ids" has shape \[-1,128\], expected \[-1,-1\]/,
    );
    assert.match(
      contractMismatches(replaceInput("input_ids", { shape: [-1] }), tritonOutputs).join(),
      /input "input_ids" has shape \[-1\]/,
    );
  });

  test("logits of the wrong type or class count are reported", () => {
    assert.deepEqual(
      contractMismatches(tritonInputs, [{ name: "logits", datatype: "FP16", shape: [-1, 3] }]),
      ['output "logits" is FP16, expected FP32', 'output "logits" has shape [-1,3], expected [-1,2]'],
    );
  });

  test("a model without a logits output is reported", () => {
    assert.deepEqual(
      contractMismatches(tritonInputs, [{ name: "probabilities", datatype: "FP32", shape: [-1, 2] }]),
      ['output "logits" is missing (model has probabilities)'],
    );
  });
});
