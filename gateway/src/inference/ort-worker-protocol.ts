/** The messages between the gateway thread and the ONNX Runtime worker (ort-worker.ts, ort-worker-main.ts). */
import type { TensorSpec } from "./model-contract";

/**
 * The nice value of the worker thread and of the ONNX Runtime threads it starts (they inherit it; on Linux
 * priority is per thread). The event loop keeps nice 0, so shedding, probes and the hand-off of results run
 * as soon as they are due instead of waiting for a scheduler slice behind the model's threads, which still
 * get every core nothing else wants. Measured under 5x overload before this: event-loop delay p99 15-40 ms,
 * shed answers p99 33-130 ms (docs/benchmarks.md).
 */
export const WORKER_NICE = 10;

/** What the worker needs to open its session; sent once as workerData. */
export interface OrtWorkerData {
  modelPath: string;
  /** 0 = ONNX Runtime's own choice. */
  intraOpThreads: number;
  interOpThreads: number;
}

/** One forward pass: row-major [rows, bucket] int64 buffers, transferred (not copied) to the worker. */
export interface RunRequest {
  id: number;
  rows: number;
  bucket: number;
  inputIds: ArrayBuffer;
  attentionMask: ArrayBuffer;
}

export type WorkerReply =
  | { kind: "opened"; inputs: TensorSpec[]; outputs: TensorSpec[] }
  | { kind: "open-failed"; message: string }
  | { kind: "result"; id: number; logits: Float32Array }
  | { kind: "failed"; id: number; message: string };
