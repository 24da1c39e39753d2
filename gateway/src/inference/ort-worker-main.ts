/**
 * The worker thread that owns the ONNX Runtime session. onnxruntime-node's `run` is a synchronous native call
 * on the calling thread, so running it here keeps the gateway's event loop free to answer probes, shed load and
 * fire deadline timers while a batch computes.
 */
import os from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import * as ort from "onnxruntime-node";
import { ATTENTION_MASK, INPUT_IDS, LOGITS, type TensorSpec } from "./model-contract";
import { type OrtWorkerData, type RunRequest, WORKER_NICE, type WorkerReply } from "./ort-worker-protocol";

const port = parentPort;
if (port === null) throw new Error("ort-worker-main runs only as a worker thread (see ort-worker.ts)");

function reply(message: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

function specsOf(metadata: readonly ort.InferenceSession.ValueMetadata[]): TensorSpec[] {
  return metadata.map((m) =>
    m.isTensor
      ? { name: m.name, datatype: m.type, shape: m.shape.map((d) => (typeof d === "number" ? d : -1)) }
      : { name: m.name, datatype: "non-tensor", shape: [] },
  );
}

async function runOnce(session: ort.InferenceSession, request: RunRequest): Promise<Float32Array> {
  const dims = [request.rows, request.bucket];
  const outputs = await session.run({
    [INPUT_IDS]: new ort.Tensor("int64", new BigInt64Array(request.inputIds), dims),
    [ATTENTION_MASK]: new ort.Tensor("int64", new BigInt64Array(request.attentionMask), dims),
  });
  const logits = outputs[LOGITS];
  if (logits === undefined || logits.type !== "float32") {
    throw new Error(`model output "${LOGITS}" is missing or not float32`);
  }
  // A copy of our own (rows x 2 floats): ORT's output may view native memory that cannot be transferred.
  return Float32Array.from(logits.data as Float32Array);
}

async function main(data: OrtWorkerData): Promise<void> {
  // Before the session exists, so its thread pool inherits the priority. Only on Linux, where pid 0 means
  // this thread; elsewhere it would lower the whole process, event loop included.
  // Relative to the thread it started from, so a gateway started under `nice` keeps the same gap.
  if (process.platform === "linux") os.setPriority(0, Math.min(19, os.getPriority(0) + WORKER_NICE));
  const options: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: "all",
    executionMode: "sequential",
    // Intra-op threads that spin-wait between operators take the core the gateway's event loop needs to shed,
    // answer probes and hand out results: measured under 5x overload, event-loop delay p99 40-120 ms with
    // spinning. The same setting as the de-identifier's session (deid-model/index.ts).
    extra: { session: { intra_op: { allow_spinning: "0" }, inter_op: { allow_spinning: "0" } } },
  };
  // 0 means "let ONNX Runtime choose", which is its own default; passing 0 explicitly would mean the same.
  if (data.intraOpThreads > 0) options.intraOpNumThreads = data.intraOpThreads;
  if (data.interOpThreads > 0) options.interOpNumThreads = data.interOpThreads;
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(data.modelPath, options);
  } catch (err) {
    reply({ kind: "open-failed", message: (err as Error).message });
    return;
  }
  port?.on("message", (request: RunRequest) => {
    runOnce(session, request).then(
      (logits) => reply({ kind: "result", id: request.id, logits }, [logits.buffer as ArrayBuffer]),
      (err: Error) => reply({ kind: "failed", id: request.id, message: err.message }),
    );
  });
  reply({ kind: "opened", inputs: specsOf(session.inputMetadata), outputs: specsOf(session.outputMetadata) });
}

void main(workerData as OrtWorkerData);
