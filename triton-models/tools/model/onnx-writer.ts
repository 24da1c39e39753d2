/**
 * Writes an ONNX ModelProto to disk without holding the weights in memory as one protobuf message.
 *
 * protobufjs would build the whole ~265 MB `base` model in one buffer. Instead the small parts (model header,
 * graph nodes and I/O, each tensor's metadata) are encoded with onnx-proto, and every initializer's raw_data is
 * streamed in chunks. Protobuf lets fields appear in any order, so the file is: ModelProto header fields, then
 * the `graph` field whose length is computed up front from the tensors' byte sizes.
 */
import { createHash } from "node:crypto";
import { closeSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { onnx } from "onnx-proto";

export interface TensorSource {
  name: string;
  dims: number[];
  dataType: onnx.TensorProto.DataType.FLOAT | onnx.TensorProto.DataType.INT64;
  /** Exact size of the raw little-endian data. */
  byteLength: number;
  /** Emits the raw data in order, in chunks of any size, exactly byteLength bytes in total. */
  emit(write: (chunk: Uint8Array) => void): void;
}

export interface ModelSource {
  header: onnx.IModelProto;
  graph: Omit<onnx.IGraphProto, "initializer">;
  initializers: TensorSource[];
}

export interface WrittenModel {
  bytes: number;
  sha256: string;
}

// Wire-format tags: (field number << 3) | wire type 2 (length-delimited).
const MODEL_GRAPH_TAG = (7 << 3) | 2;
const GRAPH_INITIALIZER_TAG = (5 << 3) | 2;
const TENSOR_RAW_DATA_TAG = (9 << 3) | 2;

function varint(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varint out of range: ${value}`);
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Uint8Array.from(bytes);
}

/** Buffers small writes into large ones and hashes everything that goes to the file. */
class HashingFileWriter {
  private readonly fd: number;
  private readonly hash = createHash("sha256");
  private readonly buffer = Buffer.alloc(4 << 20);
  private used = 0;
  bytes = 0;

  constructor(path: string) {
    this.fd = openSync(path, "w");
  }

  write(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(this.buffer.length - this.used, chunk.length - offset);
      this.buffer.set(chunk.subarray(offset, offset + n), this.used);
      this.used += n;
      offset += n;
      if (this.used === this.buffer.length) this.flush();
    }
  }

  private flush(): void {
    let written = 0;
    while (written < this.used) written += writeSync(this.fd, this.buffer, written, this.used - written);
    this.used = 0;
  }

  close(): string {
    this.flush();
    closeSync(this.fd);
    return this.hash.digest("hex");
  }

  abort(): void {
    closeSync(this.fd);
  }
}

/** Writes the model to `path` atomically (temp file, then rename) and returns its size and sha256. */
export function writeOnnxModel(path: string, model: ModelSource): WrittenModel {
  if (model.header.graph) throw new Error("writeOnnxModel: pass the graph separately, not in the header");
  const header = onnx.ModelProto.encode(model.header).finish();
  const graphMeta = onnx.GraphProto.encode(model.graph).finish();
  const tensors = model.initializers.map((source) => {
    const meta = onnx.TensorProto.encode({
      name: source.name,
      dims: source.dims,
      dataType: source.dataType,
    }).finish();
    const rawLength = varint(source.byteLength);
    const tensorLength = meta.length + 1 + rawLength.length + source.byteLength;
    return { source, meta, rawLength, tensorLength, lengthPrefix: varint(tensorLength) };
  });
  const graphLength = tensors.reduce(
    (sum, t) => sum + 1 + t.lengthPrefix.length + t.tensorLength,
    graphMeta.length,
  );

  const temporary = `${path}.partial-${process.pid}`;
  const out = new HashingFileWriter(temporary);
  try {
    out.write(header);
    out.write(Uint8Array.of(MODEL_GRAPH_TAG));
    out.write(varint(graphLength));
    out.write(graphMeta);
    for (const t of tensors) {
      out.write(Uint8Array.of(GRAPH_INITIALIZER_TAG));
      out.write(t.lengthPrefix);
      out.write(t.meta);
      out.write(Uint8Array.of(TENSOR_RAW_DATA_TAG));
      out.write(t.rawLength);
      const before = out.bytes;
      t.source.emit((chunk) => out.write(chunk));
      const emitted = out.bytes - before;
      if (emitted !== t.source.byteLength) {
        throw new Error(`tensor ${t.source.name}: emitted ${emitted} bytes, declared ${t.source.byteLength}`);
      }
    }
  } catch (error) {
    out.abort();
    rmSync(temporary, { force: true });
    throw error;
  }
  const sha256 = out.close();
  renameSync(temporary, path);
  return { bytes: out.bytes, sha256 };
}
