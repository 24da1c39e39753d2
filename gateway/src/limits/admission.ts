/**
 * Admission by estimated wait: a request is refused at once when the work already admitted ahead of it would
 * not leave it an answer within its remaining budget. Refusing at the door costs microseconds; queueing a
 * request that will miss its deadline costs the caller the whole budget and the model a computation nobody
 * reads.
 *
 * The estimate is a line fitted to what the backend really does, times a correction learned from outcomes:
 * wait = (texts in the system × time per text + a fixed part) × correction. The time per text is busy time
 * over texts completed (1 / throughput while there is a queue, Little's law, batching included); the fixed part
 * is what latency has on top of that (the running batch, batch formation, the worker hop, de-identification),
 * as a moving average. Both come from successful calls only, and successes are a biased sample: the calls that
 * missed their budget are the ones the line underestimated. Measured under 5x overload (docs/benchmarks.md),
 * throughput learned with deep queues and full batches of 16 overstated what the short queues of a 1 s budget
 * get (batches of 1-3 cost 2-5x more per text), so half the admitted requests expired. The correction closes
 * that loop, CoDel-like: every admitted request that runs out of budget multiplies it by CORRECTION.growth,
 * and while nothing is missed its excess over 1 halves every CORRECTION.halfLifeMs, so the door opens again
 * within seconds of the backend catching up. Decaying by time rather than per success matters: a correction
 * that sheds most callers sees few successes, and a per-success decay (×0.99) kept the door nearly shut
 * (hybrid at 5x saturation: 39% goodput, no request expiring).
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

/** A third of each new window: the estimate follows a backend that slows down within a few windows. */
export const DEFAULT_SMOOTHING = 0.3;

/**
 * How the correction moves: ×growth per miss, up to max; back towards 1 by time. It never goes below 1: it
 * corrects the line's optimism only, and with nothing missed it returns to the line itself.
 */
export const CORRECTION = { growth: 1.5, max: 8, halfLifeMs: 1000 } as const;

/**
 * Why a request was answered 503 overloaded without reaching the model (a metric label): admission's estimate
 * exceeded its budget, the gateway's in-flight and pending slots were full, or the backend's own bounded
 * queue (the batcher's BATCH_MAX_QUEUE, Triton's max_queue_size) refused it.
 */
export const SHED_REASONS = ["estimate", "capacity", "backend_queue"] as const;
export type ShedReason = (typeof SHED_REASONS)[number];

/**
 * Texts per throughput window. Under overload a 1 s budget keeps about 5-10 texts/s moving (docs/benchmarks.md),
 * so a window of 32 with the old smoothing of 0.1 needed over 30 s to follow a change; 16 takes 2-3 s.
 */
const WINDOW_TEXTS = 16;

export class AdmissionController {
  private inSystem = 0;
  private perTextMs: number | undefined;
  private fixedMs = 0;
  /** The correction's excess over 1 at `correctedAt`; it halves every CORRECTION.halfLifeMs after. */
  private excess = 0;
  private correctedAt = 0;
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

  /** What every estimate is multiplied by: above 1 after admitted requests ran out of budget. */
  get correctionFactor(): number {
    return 1 + this.excess * 2 ** (-(this.now() - this.correctedAt) / CORRECTION.halfLifeMs);
  }

  /** The wait a request of `texts` texts would see if admitted now. */
  estimateMs(texts: number): number {
    if (this.perTextMs === undefined) return 0;
    return ((this.inSystem + texts) * this.perTextMs + this.fixedMs) * this.correctionFactor;
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
          const latencyMs = this.now() - admittedAt;
          // Spent budget, answered or not, is a miss; an early failure (client gone, backend error) is not.
          if (latencyMs >= remainingMs) this.missed();
          if (succeeded) this.learn(texts, latencyMs, load);
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

  private missed(): void {
    const corrected = Math.min(CORRECTION.max, this.correctionFactor * CORRECTION.growth);
    this.excess = corrected - 1;
    this.correctedAt = this.now();
  }

  private average(current: number, sample: number): number {
    return current + this.smoothing * (sample - current);
  }
}
