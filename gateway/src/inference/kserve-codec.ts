/**
 * Encoding and decoding of KServe v2 inference requests for our model contract, in both wire forms:
 *  - binary tensor data extension: a JSON header, then the raw little-endian tensor bytes; the JSON length
 *    travels in the Inference-Header-Content-Length HTTP header. INT64 ids cost 8 bytes each instead of up to
 *    ~6 characters of JSON plus parsing on both sides, and the FP32 logits come back unrounded.
 *  - plain JSON (`data` arrays), the fallback for servers or proxies without the extension.
 */
import { endianness } from "node:os";
import { ATTENTION_MASK, INPUT_IDS, LOGITS, NUM_LABELS } from "./model-contract";

export const HEADER_LENGTH = "inference-header-content-length";

export interface EncodedRequest {
  body: Buffer;
  headers: Record<string, string>;
}

if (endianness() !== "LE") {
  // The binary extension is little-endian on the wire and typed arrays use the host byte order.
  throw new Error("the KServe binary tensor encoding here assumes a little-endian host");
}

export function encodeInferRequest(
  inputIds: BigInt64Array,
  attentionMask: BigInt64Array,
  shape: readonly [number, number],
  binary: boolean,
  /** Triton's per-request `timeout` parameter: how long the request may wait in its queue (µs). */
  timeoutUs?: number,
): EncodedRequest {
  const [batch, sequence] = shape;
  if (inputIds.length !== batch * sequence || attentionMask.length !== batch * sequence) {
    throw new Error(`tensor sizes do not match shape [${batch},${sequence}]`);
  }
  if (timeoutUs !== undefined && !(Number.isInteger(timeoutUs) && timeoutUs >= 1)) {
    throw new Error(`the request timeout must be a positive integer of microseconds, got ${timeoutUs}`);
  }
  const parameters = timeoutUs === undefined ? {} : { parameters: { timeout: timeoutUs } };
  if (!binary) {
    const json = {
      inputs: [
        { name: INPUT_IDS, shape: [batch, sequence], datatype: "INT64", data: Array.from(inputIds, Number) },
        {
          name: ATTENTION_MASK,
          shape: [batch, sequence],
          datatype: "INT64",
          data: Array.from(attentionMask, Number),
        },
      ],
      outputs: [{ name: LOGITS, parameters: { binary_data: false } }],
      ...parameters,
    };
    return { body: Buffer.from(JSON.stringify(json)), headers: { "content-type": "application/json" } };
  }
  const header = Buffer.from(
    JSON.stringify({
      inputs: [
        {
          name: INPUT_IDS,
          shape: [batch, sequence],
          datatype: "INT64",
          parameters: { binary_data_size: inputIds.byteLength },
        },
        {
          name: ATTENTION_MASK,
          shape: [batch, sequence],
          datatype: "INT64",
          parameters: { binary_data_size: attentionMask.byteLength },
        },
      ],
      outputs: [{ name: LOGITS, parameters: { binary_data: true } }],
      ...parameters,
    }),
  );
  const body = Buffer.concat([
    header,
    Buffer.from(inputIds.buffer, inputIds.byteOffset, inputIds.byteLength),
    Buffer.from(attentionMask.buffer, attentionMask.byteOffset, attentionMask.byteLength),
  ]);
  return {
    body,
    headers: { "content-type": "application/octet-stream", [HEADER_LENGTH]: String(header.length) },
  };
}

interface ResponseOutput {
  name?: unknown;
  datatype?: unknown;
  shape?: unknown;
  data?: unknown;
  parameters?: { binary_data_size?: unknown };
}

/** Extracts the [batch, 2] FP32 logits from a v2 response, binary or JSON; rejects anything malformed. */
export function decodeLogits(body: Buffer, headerLength: string | undefined, batch: number): Float32Array {
  let jsonEnd = body.length;
  if (headerLength !== undefined) {
    jsonEnd = Number(headerLength);
    if (!Number.isInteger(jsonEnd) || jsonEnd < 0 || jsonEnd > body.length) {
      throw new Error(`Triton response has an invalid ${HEADER_LENGTH} of ${headerLength}`);
    }
  }
  let parsed: { outputs?: ResponseOutput[] };
  try {
    parsed = JSON.parse(body.subarray(0, jsonEnd).toString("utf8"));
  } catch {
    throw new Error("Triton response header is not valid JSON");
  }
  const outputs = Array.isArray(parsed.outputs) ? parsed.outputs : [];
  let offset = jsonEnd;
  for (const output of outputs) {
    const size = output.parameters?.binary_data_size;
    if (output.name !== LOGITS) {
      if (typeof size === "number") offset += size;
      continue;
    }
    if (output.datatype !== "FP32")
      throw new Error(`Triton returned ${LOGITS} as ${String(output.datatype)}, expected FP32`);
    const shape = output.shape;
    if (!Array.isArray(shape) || shape.length !== 2 || shape[0] !== batch || shape[1] !== NUM_LABELS) {
      throw new Error(
        `Triton returned ${LOGITS} of shape ${JSON.stringify(shape)}, expected [${batch},${NUM_LABELS}]`,
      );
    }
    const count = batch * NUM_LABELS;
    if (typeof size === "number") {
      if (size !== count * 4 || offset + size > body.length) {
        throw new Error(`Triton returned ${size} bytes of ${LOGITS}, expected ${count * 4}`);
      }
      const logits = new Float32Array(count);
      for (let i = 0; i < count; i++) logits[i] = body.readFloatLE(offset + i * 4);
      return logits;
    }
    const data = output.data;
    if (!Array.isArray(data) || data.length !== count || !data.every((v) => typeof v === "number")) {
      throw new Error(`Triton returned ${LOGITS} without ${count} numeric values`);
    }
    return Float32Array.from(data as number[]);
  }
  throw new Error(`Triton response has no "${LOGITS}" output`);
}
