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
 * that loop: it multiplies the line by a high quantile of the line's own measured error (latency over estimate)
 * among the requests admitted near the door, so the requests that could miss are the ones that teach it. It
 * is measured against the line, not against the corrected estimate, so shedding more does not feed back into
 * it: the earlier correction, ×1.5 per missed request and halving by time, did, and under 2x and 5x overload
 * it swung between 1 and 6-8 every few seconds (a slow batch expires its whole cohort at once), the door
 * opening and shutting with it (docs/benchmarks.md).
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
  /**
   * Call once when the request leaves the backend. Successes teach the line; successes and requests that ran
   * out of budget teach the correction; an early failure (client gone, backend error) teaches nothing.
   */
  finish(succeeded: boolean): void;
}

/** A third of each new window: the estimate follows a backend that slows down within a few windows. */
export const DEFAULT_SMOOTHING = 0.3;

/**
 * How the correction is measured. Each admitted request that ends (answered, or out of budget) is a sample of
 * the line's error: its latency over the line's estimate at admission. Only requests admitted near the door
 * (corrected estimate at least `marginalShare` of their budget) count: they are the ones an error can make
 * miss, and a request admitted into an empty system has a tiny estimate whose ratio says nothing about a
 * queue. Every `windowSamples` samples, the window's `quantile` of that ratio becomes the target the factor
 * moves to (by `smoothing`); a sample that ran out of budget is a lower bound, so when the quantile is one of
 * those the target is `censoredGrowth` above it. A window, not each miss, is one step: requests admitted
 * together share one fate, and counting each of their misses multiplied the factor by 1.5 per miss, up to 6-8
 * after one slow batch, shutting the door for seconds (docs/benchmarks.md, the sawtooth at 2x and 5x).
 */
export const CORRECTION = {
  quantile: 0.95,
  windowSamples: 40,
  smoothing: 0.5,
  censoredGrowth: 1.25,
  marginalShare: 0.5,
  max: 8,
} as const;

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
/**
 * Busy time per throughput window as well: 16 texts of the bucket mix are one or two batches, and one batch of
 * long texts or of short ones made the time per text swing 6-20 ms from one second to the next under 5x load
 * (two sessions, int8); admission opened and shut with it. Half a second of work averages several batches.
 */
const WINDOW_BUSY_MS = 500;

export class AdmissionController {
  private inSystem = 0;
  private perTextMs: number | undefined;
  private fixedMs = 0;
  private factor = 1;
  /** Error samples of the current correction window: latency ÷ the line's estimate, and whether it expired. */
  private errors: { ratio: number; expired: boolean }[] = [];
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

  /**
   * What every estimate is multiplied by: the measured high quantile of the line's error, above 1 while
   * requests admitted near the door took longer than the line said. It moves only with new samples, which is
   * enough: a request is shed only when its corrected estimate exceeds its budget, and the requests admitted
   * just below that are near the door, so any shedding the factor causes brings the samples that correct it.
   */
  get correctionFactor(): number {
    return this.factor;
  }

  /** The wait a request of `texts` texts would see if admitted now. */
  estimateMs(texts: number): number {
    return this.lineMs(texts) * this.factor;
  }

  /** The line alone: texts in the system × time per text + the fixed part. */
  private lineMs(texts: number): number {
    if (this.perTextMs === undefined) return 0;
    return (this.inSystem + texts) * this.perTextMs + this.fixedMs;
  }

  admit(texts: number, remainingMs: number): Admission {
    const lineMs = this.lineMs(texts);
    const estimateMs = lineMs * this.factor;
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
          // Spent budget, answered or not, is an error sample; an early failure (client gone) says nothing.
          const expired = latencyMs >= remainingMs;
          if ((succeeded || expired) && lineMs > 0 && estimateMs >= CORRECTION.marginalShare * remainingMs) {
            this.observeError(latencyMs / lineMs, expired);
          }
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
    if (
      this.perTextMs === undefined ||
      (this.window.texts >= WINDOW_TEXTS && this.window.busyMs >= WINDOW_BUSY_MS)
    ) {
      const sample = this.window.busyMs / this.window.texts;
      this.perTextMs = this.perTextMs === undefined ? sample : this.average(this.perTextMs, sample);
      this.window = { busyMs: 0, texts: 0 };
    }
    this.fixedMs = this.average(this.fixedMs, Math.max(0, latencyMs - load * this.perTextMs));
  }

  private observeError(ratio: number, expired: boolean): void {
    this.errors.push({ ratio, expired });
    if (this.errors.length < CORRECTION.windowSamples) return;
    // Nearest rank, counted from the top: of 40 samples at 0.95, the 3rd largest.
    const sorted = this.errors.sort((a, b) => b.ratio - a.ratio);
    const rank = Math.max(0, sorted.length - Math.ceil(sorted.length * CORRECTION.quantile));
    const at = sorted[rank] as (typeof sorted)[0];
    const target = at.expired ? at.ratio * CORRECTION.censoredGrowth : at.ratio;
    const moved = this.factor + CORRECTION.smoothing * (target - this.factor);
    this.factor = Math.min(CORRECTION.max, Math.max(1, moved));
    this.errors = [];
  }

  private average(current: number, sample: number): number {
    return current + this.smoothing * (sample - current);
  }
}
