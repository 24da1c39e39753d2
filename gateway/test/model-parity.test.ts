/**
 * The synthetic model is a real transformer: ONNX Runtime's logits equal an independent forward pass written
 * here in plain TypeScript (own matmul, LayerNorm, softmax, GELU), computed from the weights read back out of
 * the ONNX file's initializers.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { onnx } from "onnx-proto";
import * as ort from "onnxruntime-node";
import { generateTinyModel } from "./support/synthetic-model";

const TOLERANCE = 1e-4;

interface Weights {
  has(name: string): boolean;
  get(name: string): Float64Array;
  shape(name: string): number[];
}

function readWeights(modelPath: string): Weights {
  const model = onnx.ModelProto.decode(readFileSync(modelPath));
  const tensors = new Map<string, { dims: number[]; data: Float64Array }>();
  for (const t of model.graph?.initializer ?? []) {
    if (t.dataType !== onnx.TensorProto.DataType.FLOAT || !t.name) continue;
    const raw = t.rawData as Uint8Array;
    const floats = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    tensors.set(t.name, { dims: (t.dims ?? []).map(Number), data: Float64Array.from(floats) });
  }
  const lookup = (name: string) => {
    const t = tensors.get(name);
    if (!t) throw new Error(`initializer ${name} not found in ${modelPath}`);
    return t;
  };
  return {
    has: (name) => tensors.has(name),
    get: (name) => lookup(name).data,
    shape: (name) => lookup(name).dims,
  };
}

/** rows x inner times inner x cols (row-major) plus a bias per column. */
function linear(
  x: Float64Array,
  rows: number,
  w: Float64Array,
  b: Float64Array,
  inner: number,
  cols: number,
) {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let sum = b[c] as number;
      for (let k = 0; k < inner; k++) sum += (x[r * inner + k] as number) * (w[k * cols + c] as number);
      out[r * cols + c] = sum;
    }
  }
  return out;
}

function layerNorm(x: Float64Array, rows: number, width: number, gamma: Float64Array, beta: Float64Array) {
  const out = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    const row = x.subarray(r * width, (r + 1) * width);
    const mean = row.reduce((a, v) => a + v, 0) / width;
    const variance = row.reduce((a, v) => a + (v - mean) ** 2, 0) / width;
    const inv = 1 / Math.sqrt(variance + 1e-12);
    for (let i = 0; i < width; i++) {
      out[r * width + i] = ((row[i] as number) - mean) * inv * (gamma[i] as number) + (beta[i] as number);
    }
  }
  return out;
}

/** erf to ~1e-7 (Abramowitz & Stegun 7.1.26), far inside the test tolerance. */
function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const poly =
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t;
  return sign * (1 - poly * Math.exp(-a * a));
}

const gelu = (v: number) => 0.5 * v * (1 + erf(v / Math.SQRT2));

/** DistilBERT forward pass for one sequence; returns the two logits. */
function referenceLogits(w: Weights, ids: number[], mask: number[], heads: number): [number, number] {
  const [, d] = w.shape("distilbert.embeddings.word_embeddings.weight") as [number, number];
  const seq = ids.length;
  const headSize = d / heads;
  const words = w.get("distilbert.embeddings.word_embeddings.weight");
  const positions = w.get("distilbert.embeddings.position_embeddings.weight");
  let x = new Float64Array(seq * d);
  for (let s = 0; s < seq; s++) {
    const id = ids[s] as number;
    for (let i = 0; i < d; i++)
      x[s * d + i] = (words[id * d + i] as number) + (positions[s * d + i] as number);
  }
  const ln = (v: Float64Array, p: string) => layerNorm(v, seq, d, w.get(`${p}.weight`), w.get(`${p}.bias`));
  x = ln(x, "distilbert.embeddings.LayerNorm");

  const ffn = w.shape("distilbert.transformer.layer.0.ffn.lin1.weight")[1] as number;
  for (let layer = 0; w.has(`distilbert.transformer.layer.${layer}.attention.q_lin.weight`); layer++) {
    const p = `distilbert.transformer.layer.${layer}`;
    const proj = (name: string, input: Float64Array, inSize: number, outSize: number) =>
      linear(input, seq, w.get(`${p}.${name}.weight`), w.get(`${p}.${name}.bias`), inSize, outSize);
    const q = proj("attention.q_lin", x, d, d);
    const k = proj("attention.k_lin", x, d, d);
    const v = proj("attention.v_lin", x, d, d);
    const context = new Float64Array(seq * d);
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < seq; i++) {
        const scores = new Float64Array(seq);
        for (let j = 0; j < seq; j++) {
          let dot = 0;
          for (let e = 0; e < headSize; e++) {
            dot += (q[i * d + h * headSize + e] as number) * (k[j * d + h * headSize + e] as number);
          }
          scores[j] = dot / Math.sqrt(headSize) + (mask[j] === 1 ? 0 : -10000);
        }
        const max = Math.max(...scores);
        const exps = scores.map((s) => Math.exp(s - max));
        const total = exps.reduce((a, b) => a + b, 0);
        for (let e = 0; e < headSize; e++) {
          let sum = 0;
          for (let j = 0; j < seq; j++)
            sum += ((exps[j] as number) / total) * (v[j * d + h * headSize + e] as number);
          context[i * d + h * headSize + e] = sum;
        }
      }
    }
    const attention = proj("attention.out_lin", context, d, d);
    x = ln(
      attention.map((a, i) => a + (x[i] as number)),
      `${p}.sa_layer_norm`,
    );
    const expanded = proj("ffn.lin1", x, d, ffn).map(gelu);
    const out = proj("ffn.lin2", expanded, ffn, d);
    x = ln(
      out.map((a, i) => a + (x[i] as number)),
      `${p}.output_layer_norm`,
    );
  }
  const cls = x.subarray(0, d);
  const pre = linear(cls, 1, w.get("pre_classifier.weight"), w.get("pre_classifier.bias"), d, d).map((v) =>
    Math.max(0, v),
  );
  const logits = linear(pre, 1, w.get("classifier.weight"), w.get("classifier.bias"), d, 2);
  return [logits[0] as number, logits[1] as number];
}

/** Token ids from a fixed-seed LCG: varied, reproducible, inside the vocabulary, framed by [CLS] ... [SEP]. */
function sequence(length: number, seed: number): number[] {
  let state = seed;
  const ids = [101];
  for (let i = 0; i < length - 2; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    ids.push(1000 + (state % 29000));
  }
  ids.push(102);
  return ids;
}

/** Right-pads each sequence with [PAD] (0) to the longest one; mask 1 for tokens, 0 for padding. */
function padBatch(sequences: number[][]): { ids: number[][]; mask: number[][] } {
  const width = Math.max(...sequences.map((s) => s.length));
  return {
    ids: sequences.map((s) => [...s, ...new Array(width - s.length).fill(0)]),
    mask: sequences.map((s) => [...new Array(s.length).fill(1), ...new Array(width - s.length).fill(0)]),
  };
}

async function runOrt(session: ort.InferenceSession, ids: number[][], mask: number[][]): Promise<number[][]> {
  const rows = ids.length;
  const cols = ids[0]?.length ?? 0;
  const tensor = (data: number[][]) =>
    new ort.Tensor("int64", BigInt64Array.from(data.flat().map((v) => BigInt(v))), [rows, cols]);
  const result = await session.run({ input_ids: tensor(ids), attention_mask: tensor(mask) });
  const logits = result.logits;
  assert.ok(logits, "the model has a 'logits' output");
  assert.deepEqual(logits.dims, [rows, 2]);
  const flat = Array.from(logits.data as Float32Array);
  return Array.from({ length: rows }, (_, r) => flat.slice(r * 2, r * 2 + 2));
}

describe("synthetic DistilBERT (tiny) forward pass", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "model-parity-"));
  const versionDir = path.join(dir, "distilbert_sst2", "1");
  let session: ort.InferenceSession;
  let weights: Weights;
  let heads: number;

  before(async () => {
    const info = generateTinyModel(versionDir);
    heads = info.heads as number;
    session = await ort.InferenceSession.create(path.join(versionDir, "model.onnx"));
    weights = readWeights(path.join(versionDir, "model.onnx"));
  });
  after(async () => {
    await session?.release();
    rmSync(dir, { recursive: true, force: true });
  });

  test("ONNX Runtime's logits equal the plain TypeScript forward pass for a padded batch of varied lengths", async () => {
    const sequences = [sequence(2, 1), sequence(5, 2), sequence(17, 3), sequence(40, 4), sequence(64, 5)];
    const { ids, mask } = padBatch(sequences);
    const actual = await runOrt(session, ids, mask);
    sequences.forEach((_, row) => {
      const expected = referenceLogits(weights, ids[row] as number[], mask[row] as number[], heads);
      const got = actual[row] as number[];
      for (const c of [0, 1]) {
        const diff = Math.abs((got[c] as number) - (expected[c] as number));
        assert.ok(diff <= TOLERANCE, `row ${row} logit ${c}: ORT ${got[c]} vs reference ${expected[c]}`);
      }
    });
  });

  test("the logits depend on the input: different token sequences give different logits", async () => {
    const sequences = Array.from({ length: 8 }, (_, i) => sequence(12, 100 + i));
    const { ids, mask } = padBatch(sequences);
    const logits = await runOrt(session, ids, mask);
    const margins = logits.map(([a, b]) => (b as number) - (a as number));
    const spread = Math.max(...margins) - Math.min(...margins);
    assert.ok(
      spread > 0.05,
      `logit margins barely vary across inputs (spread ${spread}): ${margins.join(", ")}`,
    );
    assert.equal(
      new Set(logits.map((l) => l.join(","))).size,
      sequences.length,
      "every input has its own logits",
    );
  });

  test("padding positions are masked: a sequence padded to 128 gets the same logits as unpadded", async () => {
    const ids = sequence(9, 7);
    const [alone] = await runOrt(session, [ids], [ids.map(() => 1)]);
    const padded = padBatch([ids, sequence(128, 8)]);
    const [inBatch] = await runOrt(session, padded.ids, padded.mask);
    for (const c of [0, 1]) {
      assert.ok(Math.abs((alone?.[c] as number) - (inBatch?.[c] as number)) <= TOLERANCE, `logit ${c}`);
    }
  });
});
