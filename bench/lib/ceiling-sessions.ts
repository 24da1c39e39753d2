/**
 * The ceiling's sessions when there are several: each ONNX Runtime session on its own worker thread, as the
 * embedded backend runs them (ORT_SESSIONS), all given the same input and run in rounds. A round starts every
 * session at once and ends when the last one has finished, so each timed run overlaps the others' and competes
 * with them for cores and memory bandwidth the way the backend's sessions do under load.
 */
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import type * as ort from "onnxruntime-node";
import { ATTENTION_MASK, INPUT_IDS } from "../../gateway/src/inference/model-contract";

/** What a session is given for one shape: the values of both inputs, `batch × bucket` each. */
export interface ShapeInput {
  batch: number;
  bucket: number;
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
}

/**
 * Plain JavaScript, so the worker needs no TypeScript loader. Every message runs the session once and is
 * answered once: a "shape" message sets the input first (its run is the shape's untimed warm-up), "run" reruns it.
 * onnxruntime-node's `run` computes on the calling thread, so one worker is one session's worth of cores.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const ort = require(workerData.ortPath);
const fail = (err) => parentPort.postMessage({ kind: "failed", message: err && err.message ? err.message : String(err) });
ort.InferenceSession.create(workerData.modelPath, workerData.sessionOptions).then((session) => {
  let feeds;
  parentPort.on("message", (m) => {
    if (m.kind === "shape") {
      const dims = [m.batch, m.bucket];
      feeds = {
        [workerData.inputIdsName]: new ort.Tensor("int64", m.inputIds, dims),
        [workerData.attentionMaskName]: new ort.Tensor("int64", m.attentionMask, dims),
      };
    }
    session.run(feeds).then(() => parentPort.postMessage({ kind: "ran" }), fail);
  });
  parentPort.postMessage({ kind: "opened" });
}, (err) => parentPort.postMessage({ kind: "open-failed", message: err && err.message ? err.message : String(err) }));`;

type Request = ({ kind: "shape" } & ShapeInput) | { kind: "run" };
type Reply = { kind: "opened" } | { kind: "ran" } | { kind: "failed" | "open-failed"; message: string };

/** One worker and the one answer it owes; an error or exit with nothing pending fails the next request. */
class SessionWorker {
  private pending: { resolve: () => void; reject: (err: Error) => void } | undefined;
  private broken: Error | undefined;

  constructor(
    private readonly worker: Worker,
    private readonly name: string,
    modelPath: string,
  ) {
    worker.on("message", (reply: Reply) => {
      if (reply.kind === "opened" || reply.kind === "ran") this.settle();
      else if (reply.kind === "open-failed")
        this.settle(new Error(`${name} could not load ${modelPath}: ${reply.message}`));
      else this.settle(new Error(`${name} failed a run: ${reply.message}`));
    });
    worker.on("error", (err) => this.settle(new Error(`${name}'s worker thread failed: ${err.message}`)));
    worker.on("exit", (code) => this.settle(new Error(`${name}'s worker thread exited (code ${code})`)));
  }

  /** Resolves with the next answer: the session opened, or ran once after `message` was posted. */
  next(message?: Request): Promise<void> {
    if (this.broken) return Promise.reject(this.broken);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      if (message) this.worker.postMessage(message);
    });
  }

  terminate(): Promise<number> {
    // Set first, so the exit that terminating causes is not reported as a failure.
    this.broken ??= new Error(`${this.name} was closed`);
    return this.worker.terminate();
  }

  private settle(err?: Error): void {
    const pending = this.pending;
    this.pending = undefined;
    if (err) this.broken ??= err;
    if (!pending) return;
    if (err) pending.reject(err);
    else pending.resolve();
  }
}

/**
 * Waits for every worker's answer, then rejects with the first failure. Promise.all would reject at once, and
 * terminating a worker while ONNX Runtime is still inside a native call on it (creating a session, running)
 * aborts the whole process ("terminate called after throwing an instance of 'Napi::Error'"): seen once in
 * about ten runs of the test of a model that cannot load, where both sessions were opening it.
 */
async function allSettledOrFirstError(answers: Promise<void>[]): Promise<void> {
  const settled = await Promise.allSettled(answers);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed !== undefined) throw failed.reason;
}

export class LockstepSessions {
  private constructor(private readonly workers: readonly SessionWorker[]) {}

  /** Opens `sessions` sessions, one worker thread each; if any cannot open, all are closed and it rejects. */
  static async open(
    modelPath: string,
    sessions: number,
    sessionOptions: ort.InferenceSession.SessionOptions,
  ): Promise<LockstepSessions> {
    const workerData = {
      ortPath: require.resolve("onnxruntime-node"),
      modelPath,
      sessionOptions,
      inputIdsName: INPUT_IDS,
      attentionMaskName: ATTENTION_MASK,
    };
    const workers = Array.from(
      { length: sessions },
      (_, i) =>
        new SessionWorker(
          new Worker(WORKER_SOURCE, { eval: true, workerData }),
          `ceiling session ${i + 1} of ${sessions}`,
          modelPath,
        ),
    );
    const pool = new LockstepSessions(workers);
    try {
      await allSettledOrFirstError(workers.map((w) => w.next()));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  /** Gives every session the shape's input and runs each once, together and untimed: the shape's warm-up. */
  async prepare(input: ShapeInput): Promise<void> {
    await allSettledOrFirstError(this.workers.map((w) => w.next({ kind: "shape", ...input })));
  }

  /** Every session runs the prepared input once, all at the same time; resolves with the round's wall ms. */
  async round(): Promise<number> {
    const start = performance.now();
    await allSettledOrFirstError(this.workers.map((w) => w.next({ kind: "run" })));
    return performance.now() - start;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
