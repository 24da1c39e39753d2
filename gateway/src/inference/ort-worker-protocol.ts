/** The messages between the gateway thread and the ONNX Runtime worker (ort-worker.ts, ort-worker-main.ts). */
import type { TensorSpec } from "./model-contract";

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
