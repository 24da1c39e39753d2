/**
 * One worker thread owning one ONNX Runtime session (ort-worker-main.ts). Token tensors move to it as
 * transferred buffers and logits come back as a Float32Array. When the thread fails or exits, every pending
 * and later run rejects with BackendUnavailableError: the backend turns not ready instead of hanging.
 */
import path from "node:path";
import { Worker } from "node:worker_threads";
import { BackendUnavailableError } from "../contracts";
import type { TensorSpec } from "./model-contract";
import type { OrtWorkerData, RunRequest, WorkerReply } from "./ort-worker-protocol";

/** The entry beside this module: ort-worker-main.ts under tsx (dev, tests), ort-worker-main.js in dist/. */
export const ORT_WORKER_ENTRY = path.join(__dirname, `ort-worker-main${path.extname(__filename)}`);

/**
 * Node 20 does not apply the parent's `--import tsx` hooks to a worker's TypeScript entry, so under tsx the
 * thread registers tsx's CommonJS hook itself before loading the entry.
 */
function startThread(entry: string, data: OrtWorkerData): Worker {
  if (!entry.endsWith(".ts")) return new Worker(entry, { workerData: data });
  const tsx = require.resolve("tsx/cjs");
  return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(entry)});`, {
    eval: true,
    workerData: data,
  });
}

interface Pending {
  resolve: (logits: Float32Array) => void;
  reject: (err: Error) => void;
}

export class OrtWorker {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private stopped: Error | undefined;
  private closing = false;

  private constructor(
    private readonly worker: Worker,
    readonly inputs: TensorSpec[],
    readonly outputs: TensorSpec[],
    private readonly onStopped: (reason: string) => void,
  ) {
    worker.on("message", (message: WorkerReply) => this.settle(message));
    worker.on("error", (err) => this.stop(`inference worker failed: ${err.message}`));
    worker.on("exit", (code) => this.stop(`inference worker exited with code ${code}`));
    // An idle worker must not keep the process alive (a CLI that forgot close() would never exit); a busy one must.
    worker.unref();
  }

  /** Starts the thread and waits until its session is open; rejects with ONNX Runtime's reason if it cannot. */
  static open(
    data: OrtWorkerData,
    onStopped: (reason: string) => void = () => {},
    entry: string = ORT_WORKER_ENTRY,
  ): Promise<OrtWorker> {
    const worker = startThread(entry, data);
    return new Promise((resolve, reject) => {
      const fail = (err: Error) => {
        void worker.terminate();
        reject(err);
      };
      const onExit = (code: number) =>
        fail(new Error(`inference worker exited with code ${code} while opening`));
      worker.once("error", fail);
      worker.once("exit", onExit);
      worker.once("message", (message: WorkerReply) => {
        worker.off("error", fail);
        worker.off("exit", onExit);
        if (message.kind === "opened") {
          resolve(new OrtWorker(worker, message.inputs, message.outputs, onStopped));
        } else {
          fail(new Error(message.kind === "open-failed" ? message.message : `unexpected "${message.kind}"`));
        }
      });
    });
  }

  get alive(): boolean {
    return this.stopped === undefined;
  }

  /** One forward pass over row-major [rows, bucket] int64 inputs; the buffers are moved, not copied. */
  run(
    inputIds: BigInt64Array,
    attentionMask: BigInt64Array,
    rows: number,
    bucket: number,
  ): Promise<Float32Array> {
    if (this.stopped !== undefined) return Promise.reject(this.stopped);
    const id = this.nextId++;
    const request: RunRequest = {
      id,
      rows,
      bucket,
      inputIds: inputIds.buffer as ArrayBuffer,
      attentionMask: attentionMask.buffer as ArrayBuffer,
    };
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(request, [request.inputIds, request.attentionMask]);
    });
  }

  /** Ends the thread (and its session). Callers drain their own work first; runs still pending reject. */
  async close(): Promise<void> {
    this.closing = true;
    await this.worker.terminate();
    this.stop("inference worker is closed");
  }

  private settle(message: WorkerReply): void {
    if (message.kind !== "result" && message.kind !== "failed") return;
    const pending = this.pending.get(message.id);
    if (pending === undefined) return;
    this.pending.delete(message.id);
    if (this.pending.size === 0) this.worker.unref();
    if (message.kind === "result") pending.resolve(message.logits);
    else pending.reject(new Error(`ONNX Runtime run failed: ${message.message}`));
  }

  private stop(reason: string): void {
    if (this.stopped !== undefined) return;
    this.stopped = new BackendUnavailableError(reason, "not_ready");
    for (const pending of this.pending.values()) pending.reject(this.stopped);
    this.pending.clear();
    if (!this.closing) this.onStopped(reason);
  }
}
