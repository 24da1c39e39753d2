/**
 * Admission by estimated wait: a request is refused at once when the work already admitted ahead of it would
 * not leave it an answer within its remaining budget. Refusing at the door costs microseconds; queueing a
 * request that will miss its deadline costs the caller the whole budget and the model a computation nobody
 * reads.
 *
 * The estimate is a line fitted to what the backend really does: wait = texts in the system × time per text +
 * a fixed part. The time per text is busy time over texts completed (1 / throughput while there is a queue,
 * batching included, so it is not fooled by many texts finishing together); the fixed part is what latency has
 * on top of that (the caller's own batch, batch formation, transport), as a moving average. Both are learned
 * from successful calls only, whatever the backend is: the gateway's batcher or Triton behind it.
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

/** Texts per throughput window: enough to average over a few batches of 16. */
const WINDOW_TEXTS = 32;

export class AdmissionController {
  private inSystem = 0;
  private perTextMs: number | undefined;
  private fixedMs = 0;
  private window = { busyMs: 0, texts: 0 };
  private lastChange = 0;
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

  /** The measured time per text in ms (1 / throughput under load); undefined until the first success. */
  get serviceTimePerTextMs(): number | undefined {
    return this.perTextMs;
  }

  /** The wait a request of `texts` texts would see if admitted now. */
  estimateMs(texts: number): number {
    if (this.perTextMs === undefined) return 0;
    return (this.inSystem + texts) * this.perTextMs + this.fixedMs;
  }

  admit(texts: number, remainingMs: number): Admission {
    const estimateMs = this.estimateMs(texts);
    // An empty system always admits: the estimate can only be corrected by calls that complete, so refusing
    // everything after one slow call would refuse forever.
    if (this.inSystem > 0 && estimateMs > remainingMs) {
      const excessMs = estimateMs - remainingMs;
      return { admitted: false, estimateMs, retryAfterSeconds: Math.max(1, Math.ceil(excessMs / 1000)) };
    }
    const load = this.inSystem + texts;
    this.change(texts);
    const admittedAt = this.now();
    let finished = false;
    return {
      admitted: true,
      ticket: {
        finish: (succeeded) => {
          if (finished) return;
          finished = true;
          this.change(-texts);
          if (succeeded) this.learn(texts, this.now() - admittedAt, load);
        },
      },
    };
  }

  /** Busy time accrues while anything is in the system. */
  private change(delta: number): void {
    const now = this.now();
    if (this.inSystem > 0) this.window.busyMs += now - this.lastChange;
    this.lastChange = now;
    this.inSystem += delta;
  }

  private learn(texts: number, latencyMs: number, load: number): void {
    this.window.texts += texts;
    if (this.perTextMs === undefined || this.window.texts >= WINDOW_TEXTS) {
      const sample = this.window.busyMs / this.window.texts;
      this.perTextMs = this.perTextMs === undefined ? sample : this.average(this.perTextMs, sample);
      this.window = { busyMs: 0, texts: 0 };
    }
    this.fixedMs = this.average(this.fixedMs, Math.max(0, latencyMs - load * this.perTextMs));
  }

  private average(current: number, sample: number): number {
    return current + this.smoothing * (sample - current);
  }
}
