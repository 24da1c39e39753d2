import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decodeLogits, encodeInferRequest, HEADER_LENGTH } from "../src/inference/kserve-codec";

const ids = BigInt64Array.from([101n, 7592n, 102n, 0n, 101n, 2088n, 2003n, 102n]);
const mask = BigInt64Array.from([1n, 1n, 1n, 0n, 1n, 1n, 1n, 1n]);

function binaryResponse(outputs: object[], tensors: Buffer[]): { body: Buffer; header: string } {
  const json = Buffer.from(JSON.stringify({ model_name: "m", outputs }));
  return { body: Buffer.concat([json, ...tensors]), header: String(json.length) };
}

function fp32(values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => {
    b.writeFloatLE(v, i * 4);
  });
  return b;
}

describe("KServe v2 codec", () => {
  test("a binary request is a JSON header followed by the raw little-endian INT64 tensors", () => {
    const { body, headers } = encodeInferRequest(ids, mask, [2, 4], true);
    const headerLength = Number(headers[HEADER_LENGTH]);
    const header = JSON.parse(body.subarray(0, headerLength).toString("utf8"));
    assert.deepEqual(
      header.inputs.map((i: { name: string; shape: number[]; datatype: string; parameters: object }) => [
        i.name,
        i.shape,
        i.datatype,
        i.parameters,
      ]),
      [
        ["input_ids", [2, 4], "INT64", { binary_data_size: 64 }],
        ["attention_mask", [2, 4], "INT64", { binary_data_size: 64 }],
      ],
    );
    assert.deepEqual(header.outputs, [{ name: "logits", parameters: { binary_data: true } }]);
    assert.equal(body.length, headerLength + 128);
    assert.equal(body.readBigInt64LE(headerLength + 8), 7592n);
    assert.equal(body.readBigInt64LE(headerLength + 64 + 24), 0n);
    assert.equal(headers["content-type"], "application/octet-stream");
  });

  test("a JSON request carries the tensors as flat data arrays and asks for JSON logits", () => {
    const { body, headers } = encodeInferRequest(ids, mask, [2, 4], false);
    assert.equal(headers[HEADER_LENGTH], undefined);
    const json = JSON.parse(body.toString("utf8"));
    assert.deepEqual(json.inputs[0].data, [101, 7592, 102, 0, 101, 2088, 2003, 102]);
    assert.deepEqual(json.inputs[1].data, [1, 1, 1, 0, 1, 1, 1, 1]);
    assert.deepEqual(json.outputs, [{ name: "logits", parameters: { binary_data: false } }]);
  });

  test("the remaining budget travels as Triton's per-request timeout parameter in both wire forms", () => {
    const ids = new BigInt64Array([1n, 2n]);
    const binary = encodeInferRequest(ids, ids, [1, 2], true, 250_000);
    const header = JSON.parse(
      binary.body.subarray(0, Number(binary.headers[HEADER_LENGTH])).toString("utf8"),
    );
    assert.deepEqual(header.parameters, { timeout: 250_000 });
    const json = JSON.parse(encodeInferRequest(ids, ids, [1, 2], false, 250_000).body.toString("utf8"));
    assert.deepEqual(json.parameters, { timeout: 250_000 });
    assert.equal(
      JSON.parse(encodeInferRequest(ids, ids, [1, 2], false).body.toString("utf8")).parameters,
      undefined,
    );
    assert.throws(() => encodeInferRequest(ids, ids, [1, 2], true, 0), /positive integer of microseconds/);
  });

  test("tensors that do not match the declared shape are refused", () => {
    assert.throws(() => encodeInferRequest(ids, mask, [3, 4], true), /do not match shape \[3,4\]/);
  });

  test("binary logits are read from after the JSON header", () => {
    const { body, header } = binaryResponse(
      [{ name: "logits", datatype: "FP32", shape: [2, 2], parameters: { binary_data_size: 16 } }],
      [fp32([0.5, -1.25, 3, 4.75])],
    );
    assert.deepEqual(Array.from(decodeLogits(body, header, 2)), [0.5, -1.25, 3, 4.75]);
  });

  test("binary outputs listed before logits are skipped by their size", () => {
    const { body, header } = binaryResponse(
      [
        { name: "hidden", datatype: "FP32", shape: [1, 3], parameters: { binary_data_size: 12 } },
        { name: "logits", datatype: "FP32", shape: [1, 2], parameters: { binary_data_size: 8 } },
      ],
      [fp32([9, 9, 9]), fp32([1.5, 2.5])],
    );
    assert.deepEqual(Array.from(decodeLogits(body, header, 1)), [1.5, 2.5]);
  });

  test("JSON logits are read from the data array", () => {
    const body = Buffer.from(
      JSON.stringify({ outputs: [{ name: "logits", datatype: "FP32", shape: [1, 2], data: [0.25, -0.5] }] }),
    );
    assert.deepEqual(Array.from(decodeLogits(body, undefined, 1)), [0.25, -0.5]);
  });

  test("logits of the wrong shape, type or size are rejected with what was expected", () => {
    const wrongShape = Buffer.from(
      JSON.stringify({ outputs: [{ name: "logits", datatype: "FP32", shape: [1, 3], data: [1, 2, 3] }] }),
    );
    assert.throws(() => decodeLogits(wrongShape, undefined, 1), /shape \[1,3\], expected \[1,2\]/);
    const wrongType = Buffer.from(
      JSON.stringify({ outputs: [{ name: "logits", datatype: "FP16", shape: [1, 2], data: [1, 2] }] }),
    );
    assert.throws(() => decodeLogits(wrongType, undefined, 1), /FP16, expected FP32/);
    const short = binaryResponse(
      [{ name: "logits", datatype: "FP32", shape: [1, 2], parameters: { binary_data_size: 4 } }],
      [fp32([1])],
    );
    assert.throws(() => decodeLogits(short.body, short.header, 1), /4 bytes of logits, expected 8/);
  });

  test("a response without logits or with a bad header length is rejected", () => {
    const none = Buffer.from(JSON.stringify({ outputs: [] }));
    assert.throws(() => decodeLogits(none, undefined, 1), /no "logits" output/);
    assert.throws(() => decodeLogits(none, "99999", 1), /invalid inference-header-content-length/);
  });
});
