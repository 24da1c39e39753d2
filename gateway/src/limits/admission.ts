/**
 * Admission by estimated wait: a request is refused at once when the texts already admitted ahead of it, times
 * the measured time the gateway needs per text, would not leave it an answer within its remaining budget.
 * Refusing at the door costs microseconds; queueing a request that will miss its deadline costs the caller the
 * whole budget and the model a computation nobody reads.
 *
 * The time per text is an exponentially weighted moving average of latency / (texts ahead + own texts) over
 * successful calls. At saturation that ratio tends to 1 / throughput (batching included); on an idle system it
 * is the latency of one call, which overestimates the wait only while the queue is short anyway. The estimate
 * is for the backend, whatever it is: the gateway's batcher and ONNX Runtime, or Triton behind it.
 */
import { performance } from "node:perf_hooks";

export interface AdmissionOptions {
  /** Weight of the newest observation in the moving average. */
  smoothing?: number;
  now?: () => number;
}

export type Admission =
  | { admitted: true; ticket: AdmissionTicket }
  | { admitted: false; estimateMs: number; retryAfterSeconds: number };

export interface AdmissionTicket {
  /** Call once when the request leaves the backend; only successes teach the estimator. */
  finish(succeeded: boolean): void;
}

export const DEFAULT_SMOOTHING = 0.1;

/**
 * Why a request was answered 503 overloaded without reaching the model (a metric label): admission's estimate
 * exceeded its budget, the gateway's in-flight and pending slots were full, or the backend's own bounded
 * queue (the batcher's BATCH_MAX_QUEUE, Triton's max_queue_size) refused it.
 */
export const SHED_REASONS = ["estimate", "capacity", "backend_queue"] as const;
export type ShedReason = (typeof SHED_REASONS)[number];

export class AdmissionController {
  private inSystem = 0;
  private perTextMs: number | undefined;
  private readonly smoothing: number;
  private readonly now: () => number;

  constructor(options: AdmissionOptions = {}) {
    this.smoothing = options.smoothing ?? DEFAULT_SMOOTHING;
    if (!(this.smoothing > 0 && this.smoothing <= 1)) {
      throw new Error(`admission smoothing must be in (0, 1], got ${String(options.smoothing)}`);
    }
    this.now = options.now ?? (() => performance.now());
  }

  /** Texts admitted and not yet answered. */
  get textsInSystem(): number {
    return this.inSystem;
  }

  /** The measured time per text in ms; undefined until the first success. */
  get serviceTimePerTextMs(): number | undefined {
    return this.perTextMs;
  }

  /** The wait a request of `texts` texts would see if admitted now. */
  estimateMs(texts: number): number {
    return (this.inSystem + texts) * (this.perTextMs ?? 0);
  }

  admit(texts: number, remainingMs: number): Admission {
    const estimateMs = this.estimateMs(texts);
    // An empty system always admits: the estimate can only be corrected by calls that complete, so refusing
    // everything after one slow call would refuse forever.
    if (this.inSystem > 0 && estimateMs > remainingMs) {
      const excessMs = estimateMs - remainingMs;
      return { admitted: false, estimateMs, retryAfterSeconds: Math.max(1, Math.ceil(excessMs / 1000)) };
    }
    const ahead = this.inSystem;
    this.inSystem += texts;
    const admittedAt = this.now();
    let finished = false;
    return {
      admitted: true,
      ticket: {
        finish: (succeeded) => {
          if (finished) return;
          finished = true;
          this.inSystem -= texts;
          if (succeeded) this.learn((this.now() - admittedAt) / (ahead + texts));
        },
      },
    };
  }

  private learn(sampleMs: number): void {
    this.perTextMs =
      this.perTextMs === undefined ? sampleMs : this.perTextMs + this.smoothing * (sampleMs - this.perTextMs);
  }
}
