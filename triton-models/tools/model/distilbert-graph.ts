/**
 * The DistilBERT sequence-classification graph (opset 17) with seeded synthetic weights.
 *
 * Same computation as Hugging Face's DistilBertForSequenceClassification at inference time:
 * word + position embeddings -> LayerNorm -> N x [multi-head self-attention with additive padding mask,
 * residual + LayerNorm, GELU (erf) feed-forward, residual + LayerNorm] -> hidden state of [CLS] ->
 * pre_classifier Linear + ReLU -> classifier Linear -> logits.
 *
 * Initializer names follow the Hugging Face parameter names, with one difference: dense weights are stored
 * [in, out] (MatMul layout), where PyTorch stores [out, in]. model-parity.test.ts relies on these names.
 */
import { onnx } from "onnx-proto";
import type { TensorSource } from "./onnx-writer";
import { normalStream } from "./prng";
import type { DistilBertShape } from "./sizes";

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;
const LAYER_NORM_EPSILON = 1e-12;
/** Added to attention scores of padding positions; exp() of it underflows to exactly 0 in float32. */
const MASKED_SCORE = -10000;
const CHUNK_VALUES = 1 << 16;

if (new Uint8Array(Uint16Array.of(1).buffer)[0] !== 1) {
  throw new Error(
    "generate-model: ONNX raw_data is little-endian and this host is big-endian; not supported",
  );
}

export interface DistilBertGraph {
  graph: Omit<onnx.IGraphProto, "initializer">;
  initializers: TensorSource[];
}

function count(dims: number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** A float tensor filled as `mean + std * N(0,1)` from the tensor's own seeded stream, emitted in chunks. */
function randomTensor(seed: number, name: string, dims: number[], std: number, mean = 0): TensorSource {
  const total = count(dims);
  return {
    name,
    dims,
    dataType: FLOAT,
    byteLength: total * 4,
    emit(write) {
      const next = normalStream(seed, name);
      const chunk = new Float32Array(Math.min(CHUNK_VALUES, total));
      for (let done = 0; done < total; ) {
        const n = Math.min(chunk.length, total - done);
        for (let i = 0; i < n; i++) chunk[i] = mean + std * next();
        write(new Uint8Array(chunk.buffer, 0, n * 4));
        done += n;
      }
    },
  };
}

function floatConstant(name: string, dims: number[], values: number[]): TensorSource {
  const data = Float32Array.from(values);
  return {
    name,
    dims,
    dataType: FLOAT,
    byteLength: data.byteLength,
    emit: (w) => w(new Uint8Array(data.buffer)),
  };
}

function int64Constant(name: string, dims: number[], values: number[]): TensorSource {
  const data = BigInt64Array.from(values.map((v) => BigInt(v)));
  return {
    name,
    dims,
    dataType: INT64,
    byteLength: data.byteLength,
    emit: (w) => w(new Uint8Array(data.buffer)),
  };
}

function attribute(name: string, value: number | number[]): onnx.IAttributeProto {
  if (Array.isArray(value)) return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: value };
  if (Number.isInteger(value)) return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
  return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: value };
}

function tensorValue(name: string, elemType: number, dims: (string | number)[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === "string" ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

export function buildDistilBertGraph(shape: DistilBertShape, seed: number): DistilBertGraph {
  const d = shape.hiddenSize;
  if (d % shape.heads !== 0) throw new Error(`hidden size ${d} is not divisible by ${shape.heads} heads`);
  const headSize = d / shape.heads;

  const nodes: onnx.INodeProto[] = [];
  const initializers: TensorSource[] = [];
  let counter = 0;
  const op = (opType: string, inputs: string[], attrs: Record<string, number | number[]> = {}): string => {
    const output = `${opType.toLowerCase()}_${counter++}`;
    nodes.push({
      opType,
      name: `${opType}_${counter}`,
      input: inputs,
      output: [output],
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return output;
  };
  const add = (t: TensorSource): string => {
    initializers.push(t);
    return t.name;
  };
  const linear = (x: string, prefix: string, inSize: number, outSize: number): string => {
    const w = add(randomTensor(seed, `${prefix}.weight`, [inSize, outSize], 1 / Math.sqrt(inSize)));
    const b = add(randomTensor(seed, `${prefix}.bias`, [outSize], 0.02));
    return op("Add", [op("MatMul", [x, w]), b]);
  };
  const layerNorm = (x: string, prefix: string): string => {
    const gamma = add(randomTensor(seed, `${prefix}.weight`, [d], 0.1, 1));
    const beta = add(randomTensor(seed, `${prefix}.bias`, [d], 0.1));
    return op("LayerNormalization", [x, gamma, beta], { axis: -1, epsilon: LAYER_NORM_EPSILON });
  };

  const zero = add(int64Constant("const.zero", [], [0]));
  const one = add(int64Constant("const.one", [], [1]));
  const oneF = add(floatConstant("const.one_f", [], [1]));
  const halfF = add(floatConstant("const.half_f", [], [0.5]));
  const sqrt2 = add(floatConstant("const.sqrt2_f", [], [Math.SQRT2]));
  const maskedScore = add(floatConstant("const.masked_score", [], [MASKED_SCORE]));
  const queryScale = add(floatConstant("const.query_scale", [], [1 / Math.sqrt(headSize)]));
  const maskAxes = add(int64Constant("const.mask_axes", [2], [1, 2]));
  const splitHeads = add(int64Constant("const.split_heads_shape", [4], [0, 0, shape.heads, headSize]));
  const mergeHeads = add(int64Constant("const.merge_heads_shape", [3], [0, 0, d]));

  // Embeddings: word vectors plus learned absolute positions 0..seq-1.
  const wordTable = add(
    randomTensor(seed, "distilbert.embeddings.word_embeddings.weight", [shape.vocabSize, d], 1),
  );
  const positionTable = add(
    randomTensor(seed, "distilbert.embeddings.position_embeddings.weight", [shape.maxPositions, d], 1),
  );
  const words = op("Gather", [wordTable, "input_ids"], { axis: 0 });
  const seqLen = op("Gather", [op("Shape", ["input_ids"]), one], { axis: 0 });
  const positions = op("Gather", [positionTable, op("Range", [zero, seqLen, one])], { axis: 0 });
  let hidden = layerNorm(op("Add", [words, positions]), "distilbert.embeddings.LayerNorm");

  // Padding mask: 0 for real tokens, MASKED_SCORE for padding; shaped [batch, 1, 1, seq] to broadcast over heads.
  const maskFloat = op("Cast", ["attention_mask"], { to: FLOAT });
  const additiveMask = op("Unsqueeze", [op("Mul", [op("Sub", [oneF, maskFloat]), maskedScore]), maskAxes]);

  for (let layer = 0; layer < shape.layers; layer++) {
    const p = `distilbert.transformer.layer.${layer}`;
    const heads = (x: string, perm: number[]) => op("Transpose", [op("Reshape", [x, splitHeads])], { perm });
    const q = heads(op("Mul", [linear(hidden, `${p}.attention.q_lin`, d, d), queryScale]), [0, 2, 1, 3]);
    const k = heads(linear(hidden, `${p}.attention.k_lin`, d, d), [0, 2, 3, 1]);
    const v = heads(linear(hidden, `${p}.attention.v_lin`, d, d), [0, 2, 1, 3]);
    const scores = op("Add", [op("MatMul", [q, k]), additiveMask]);
    const context = op("MatMul", [op("Softmax", [scores], { axis: -1 }), v]);
    const merged = op("Reshape", [op("Transpose", [context], { perm: [0, 2, 1, 3] }), mergeHeads]);
    const attention = linear(merged, `${p}.attention.out_lin`, d, d);
    hidden = layerNorm(op("Add", [attention, hidden]), `${p}.sa_layer_norm`);

    const expanded = linear(hidden, `${p}.ffn.lin1`, d, shape.ffnSize);
    const erf = op("Erf", [op("Div", [expanded, sqrt2])]);
    const gelu = op("Mul", [op("Mul", [expanded, op("Add", [erf, oneF])]), halfF]);
    const ffn = linear(gelu, `${p}.ffn.lin2`, shape.ffnSize, d);
    hidden = layerNorm(op("Add", [ffn, hidden]), `${p}.output_layer_norm`);
  }

  const cls = op("Gather", [hidden, zero], { axis: 1 });
  const pre = op("Relu", [linear(cls, "pre_classifier", d, d)]);
  const logits = linear(pre, "classifier", d, shape.labels);
  // Rename the last node's output to the contract name.
  const last = nodes[nodes.length - 1];
  if (!last?.output || last.output[0] !== logits)
    throw new Error("graph builder: classifier is not the last node");
  last.output = ["logits"];

  return {
    graph: {
      name: "distilbert_sst2",
      node: nodes,
      input: [
        tensorValue("input_ids", INT64, ["batch", "sequence"]),
        tensorValue("attention_mask", INT64, ["batch", "sequence"]),
      ],
      output: [tensorValue("logits", FLOAT, ["batch", shape.labels])],
    },
    initializers,
  };
}
