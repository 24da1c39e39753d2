/**
 * The local Triton used by integration tests is a real Triton Inference Server: it serves the tiny synthetic
 * model over KServe v2 HTTP with the model contract, and its dynamic batcher really merges concurrent requests
 * (read from Triton's own statistics and metrics).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import * as ort from "onnxruntime-node";
import { type LocalTriton, startLocalTriton } from "./support/local-triton";
import { tinyModelRepository } from "./support/synthetic-model";

const MODEL = "distilbert_sst2";

interface InferResponse {
  model_name: string;
  model_version: string;
  outputs: { name: string; datatype: string; shape: number[]; data: number[] }[];
}

interface ModelStats {
  inference_count: number;
  execution_count: number;
  batch_stats: { batch_size: number; compute_infer: { count: number } }[];
}

/** One request: a [1, seq] batch of token ids (right-padded ids get mask 0). */
function requestBody(ids: number[], mask: number[]) {
  return {
    inputs: [
      { name: "input_ids", datatype: "INT64", shape: [1, ids.length], data: ids },
      { name: "attention_mask", datatype: "INT64", shape: [1, mask.length], data: mask },
    ],
    outputs: [{ name: "logits" }],
  };
}

async function infer(triton: LocalTriton, ids: number[], mask: number[]): Promise<InferResponse> {
  const response = await fetch(`${triton.url}/v2/models/${MODEL}/versions/${triton.modelVersion}/infer`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(requestBody(ids, mask)),
  });
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()) as InferResponse;
}

async function stats(triton: LocalTriton): Promise<ModelStats> {
  const response = await fetch(`${triton.url}/v2/models/${MODEL}/versions/${triton.modelVersion}/stats`);
  assert.equal(response.status, 200);
  const body = (await response.json()) as { model_stats: ModelStats[] };
  const [model] = body.model_stats;
  assert.ok(model, "statistics for the model");
  return model;
}

/** Sends `count` single-sequence requests at once (same 16-token shape, so Triton may batch them). */
async function concurrentRequests(triton: LocalTriton, count: number): Promise<void> {
  const ids = [101, ...Array.from({ length: 14 }, (_, i) => 2000 + i), 102];
  await Promise.all(
    Array.from({ length: count }, () =>
      infer(
        triton,
        ids,
        ids.map(() => 1),
      ),
    ),
  );
}

describe("local Triton (nvidia-pytriton, CPU) with dynamic batching", () => {
  let triton: LocalTriton;
  const repository = tinyModelRepository();
  const versionDir = path.join(repository, MODEL, "1");

  before(async () => {
    triton = await startLocalTriton({ modelRepository: repository, maxQueueDelayUs: 5000 });
  });
  after(async () => {
    await triton?.stop();
  });

  test("model metadata states the contract: INT64 input_ids/attention_mask [-1,-1], FP32 logits [-1,2]", async () => {
    const response = await fetch(`${triton.url}/v2/models/${MODEL}/versions/1`);
    assert.equal(response.status, 200);
    const metadata = (await response.json()) as {
      name: string;
      versions: string[];
      inputs: { name: string; datatype: string; shape: number[] }[];
      outputs: { name: string; datatype: string; shape: number[] }[];
    };
    assert.equal(metadata.name, MODEL);
    assert.deepEqual(metadata.inputs, [
      { name: "input_ids", datatype: "INT64", shape: [-1, -1] },
      { name: "attention_mask", datatype: "INT64", shape: [-1, -1] },
    ]);
    assert.deepEqual(metadata.outputs, [{ name: "logits", datatype: "FP32", shape: [-1, 2] }]);
  });

  test("the model config publishes max_batch_size 16, the dynamic batcher and the tokenizer's sha256", async () => {
    const response = await fetch(`${triton.url}/v2/models/${MODEL}/config`);
    const config = (await response.json()) as {
      max_batch_size: number;
      dynamic_batching?: { max_queue_delay_microseconds: number };
      parameters: Record<string, { string_value: string }>;
    };
    const tokenizerSha = createHash("sha256")
      .update(readFileSync(path.join(versionDir, "tokenizer.json")))
      .digest("hex");
    assert.equal(config.max_batch_size, 16);
    assert.equal(config.dynamic_batching?.max_queue_delay_microseconds, 5000);
    assert.deepEqual(config.parameters.tokenizer_sha256, { string_value: tokenizerSha });
  });

  test("v2 JSON inference returns the logits ONNX Runtime computes in-process for the same model", async () => {
    const ids = [101, 7592, 2088, 999, 102, 0, 0];
    const mask = [1, 1, 1, 1, 1, 0, 0];
    const result = await infer(triton, ids, mask);
    assert.equal(result.model_version, "1");
    const [logits] = result.outputs;
    assert.equal(logits?.name, "logits");
    assert.equal(logits?.datatype, "FP32");
    assert.deepEqual(logits?.shape, [1, 2]);

    const session = await ort.InferenceSession.create(path.join(versionDir, "model.onnx"));
    const tensor = (v: number[]) => new ort.Tensor("int64", BigInt64Array.from(v.map(BigInt)), [1, v.length]);
    const local = await session.run({ input_ids: tensor(ids), attention_mask: tensor(mask) });
    await session.release();
    const expected = Array.from(local.logits?.data as Float32Array);
    logits?.data.forEach((value, i) => {
      assert.ok(Math.abs(value - (expected[i] as number)) < 1e-5, `logit ${i}: ${value} vs ${expected[i]}`);
    });
  });

  test("64 concurrent requests are executed in fewer batches than requests (Triton statistics)", async () => {
    const before = await stats(triton);
    await concurrentRequests(triton, 64);
    const now = await stats(triton);
    const requests = now.inference_count - before.inference_count;
    const executions = now.execution_count - before.execution_count;
    assert.equal(requests, 64);
    assert.ok(executions < requests, `Triton ran ${executions} executions for ${requests} requests`);
    assert.ok(
      now.batch_stats.some((b) => b.batch_size > 1 && b.compute_infer.count > 0),
      `batch sizes seen: ${now.batch_stats.map((b) => b.batch_size).join(",")}`,
    );
  });

  test("Triton's Prometheus metrics count more inferences than executions", async () => {
    const text = await (await fetch(`${triton.metricsUrl}/metrics`)).text();
    const metric = (name: string) => {
      const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && l.includes(`model="${MODEL}"`));
      assert.ok(line, `metric ${name} for ${MODEL}`);
      return Number(line.slice(line.lastIndexOf(" ") + 1));
    };
    assert.ok(metric("nv_inference_count") > metric("nv_inference_exec_count"));
  });
});

describe("local Triton with batching off", () => {
  let triton: LocalTriton;

  before(async () => {
    triton = await startLocalTriton({ modelRepository: tinyModelRepository(), batching: false });
  });
  after(async () => {
    await triton?.stop();
  });

  test("without the dynamic batcher every request is its own execution, even under concurrency", async () => {
    const before = await stats(triton);
    await concurrentRequests(triton, 32);
    const now = await stats(triton);
    assert.equal(now.inference_count - before.inference_count, 32);
    assert.equal(now.execution_count - before.execution_count, 32);
  });
});
