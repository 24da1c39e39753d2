/**
 * The gateway's own dynamic batcher: requests of the same sequence bucket wait briefly in a per-bucket queue
 * and run together as one [batch, bucket] tensor.
 *
 * A bucket is flushed when it holds maxBatchSize items or when its oldest item has waited maxQueueDelayMs,
 * whichever comes first. At most `concurrency` batches run at once (one per ONNX Runtime session for the
 * embedded backend); while they run, new items keep queueing, so batches grow with load on their own. The
 * total number of waiting items is bounded: past maxQueueSize, submit() fails fast with
 * BackendOverloadedError instead of letting latency grow without limit.
 */
import { performance } from "node:perf_hooks";
import { BackendOverloadedError, type BackendStats, BackendUnavailableError } from "../contracts";

export interface BatcherOptions {
  /** Largest batch handed to the executor. 1 disables batching. */
  maxBatchSize: number;
  /** How long the oldest item of a bucket may wait for companions. 0 = dispatch as soon as a slot is free. */
  maxQueueDelayMs: number;
  /** Waiting items over all buckets; more are refused with BackendOverloadedError. */
  maxQueueSize: number;
  /** Batches allowed to run at the same time. */
  concurrency: number;
  /** Called once per dispatched batch, e.g. for a batch-size histogram. */
  onBatch?: (size: number, bucket: number) => void;
}

/** Runs one batch; must return exactly one result per item, in order. */
export type BatchExecutor<I, R> = (bucket: number, items: I[]) => Promise<R[]>;

export interface BatchEntry<I> {
  bucket: number;
  item: I;
}

interface RequestState<R> {
  results: R[];
  remaining: number;
  settled: boolean;
  resolve: (results: R[]) => void;
  reject: (reason: unknown) => void;
  cleanup: () => void;
}

interface Pending<I, R> {
  item: I;
  index: number;
  enqueuedAt: number;
  request: RequestState<R>;
}

export function validateBatcherOptions(options: BatcherOptions): void {
  const check = (name: string, value: number, min: number) => {
    if (!Number.isFinite(value) || !Number.isInteger(value) || value < min) {
      throw new Error(`batcher option ${name} must be an integer >= ${min}, got ${String(value)}`);
    }
  };
  check("maxBatchSize", options.maxBatchSize, 1);
  // Fractions of a millisecond are allowed: the delay is compared against performance.now().
  if (!Number.isFinite(options.maxQueueDelayMs) || options.maxQueueDelayMs < 0) {
    throw new Error(
      `batcher option maxQueueDelayMs must be a number >= 0, got ${String(options.maxQueueDelayMs)}`,
    );
  }
  check("maxQueueSize", options.maxQueueSize, 1);
  check("concurrency", options.concurrency, 1);
}

export class DynamicBatcher<I, R> {
  private readonly queues = new Map<number, Pending<I, R>[]>();
  private queued = 0;
  private inFlight = 0;
  private batches = 0;
  private batchedItems = 0;
  private timer: NodeJS.Timeout | undefined;
  private closing = false;
  private drained: (() => void) | undefined;
  private readonly drainedPromise: Promise<void>;

  constructor(
    private readonly executor: BatchExecutor<I, R>,
    private readonly options: BatcherOptions,
  ) {
    validateBatcherOptions(options);
    this.drainedPromise = new Promise((resolve) => {
      this.drained = resolve;
    });
  }

  stats(): BackendStats {
    return { queueDepth: this.queued, batches: this.batches, batchedItems: this.batchedItems };
  }

  /** Batches currently running. */
  get running(): number {
    return this.inFlight;
  }

  /**
   * Queues every entry of one request and resolves with their results in the same order. The request is
   * admitted whole or refused whole, so a multi-text call never half-runs because of the queue bound.
   */
  submit(entries: readonly BatchEntry<I>[], signal?: AbortSignal): Promise<R[]> {
    if (this.closing) {
      return Promise.reject(new BackendUnavailableError("inference backend is shutting down", "not_ready"));
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (entries.length === 0) return Promise.resolve([]);
    if (this.queued + entries.length > this.options.maxQueueSize) {
      return Promise.reject(
        new BackendOverloadedError(
          `inference queue is full (${this.queued} of ${this.options.maxQueueSize} waiting, ${entries.length} more requested)`,
        ),
      );
    }

    return new Promise<R[]>((resolve, reject) => {
      const pendings: Pending<I, R>[] = [];
      const onAbort = () => {
        if (request.settled) return;
        // Items not yet dispatched leave the queue; a batch already running finishes and its results are dropped.
        this.removeQueued(pendings);
        this.settle(request, undefined, signal?.reason);
      };
      const request: RequestState<R> = {
        results: new Array<R>(entries.length),
        remaining: entries.length,
        settled: false,
        resolve,
        reject,
        cleanup: () => signal?.removeEventListener("abort", onAbort),
      };
      const now = performance.now();
      entries.forEach((entry, index) => {
        const pending: Pending<I, R> = { item: entry.item, index, enqueuedAt: now, request };
        pendings.push(pending);
        let queue = this.queues.get(entry.bucket);
        if (queue === undefined) {
          queue = [];
          this.queues.set(entry.bucket, queue);
        }
        queue.push(pending);
      });
      this.queued += entries.length;
      signal?.addEventListener("abort", onAbort, { once: true });
      this.pump();
    });
  }

  /** Refuses new work, runs everything already queued without waiting for the delay, then resolves. */
  close(): Promise<void> {
    this.closing = true;
    this.pump();
    this.checkDrained();
    return this.drainedPromise;
  }

  private settle(request: RequestState<R>, results: R[] | undefined, error?: unknown): void {
    if (request.settled) return;
    request.settled = true;
    request.cleanup();
    if (results !== undefined) request.resolve(results);
    else request.reject(error);
  }

  private removeQueued(pendings: readonly Pending<I, R>[]): void {
    const doomed = new Set(pendings);
    for (const [bucket, queue] of this.queues) {
      const kept = queue.filter((p) => !doomed.has(p));
      this.queued -= queue.length - kept.length;
      if (kept.length === 0) this.queues.delete(bucket);
      else this.queues.set(bucket, kept);
    }
    this.pump();
    this.checkDrained();
  }

  /** Dispatches every bucket that is due while slots are free, then arms a timer for the next deadline. */
  private pump(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const { maxBatchSize, maxQueueDelayMs, concurrency } = this.options;
    while (this.inFlight < concurrency) {
      const now = performance.now();
      let due: { bucket: number; queue: Pending<I, R>[]; oldest: number } | undefined;
      for (const [bucket, queue] of this.queues) {
        const oldest = (queue[0] as Pending<I, R>).enqueuedAt;
        const isDue = this.closing || queue.length >= maxBatchSize || now - oldest >= maxQueueDelayMs;
        // Among due buckets the one waiting longest goes first, so a busy bucket cannot starve a quiet one.
        if (isDue && (due === undefined || oldest < due.oldest)) due = { bucket, queue, oldest };
      }
      if (due === undefined) break;
      const batch = due.queue.splice(0, maxBatchSize);
      if (due.queue.length === 0) this.queues.delete(due.bucket);
      this.queued -= batch.length;
      this.dispatch(due.bucket, batch);
    }
    if (this.inFlight < concurrency && this.queues.size > 0) {
      let next = Number.POSITIVE_INFINITY;
      for (const queue of this.queues.values()) {
        next = Math.min(next, (queue[0] as Pending<I, R>).enqueuedAt + maxQueueDelayMs);
      }
      const wait = Math.max(1, Math.ceil(next - performance.now()));
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, wait);
    }
  }

  private dispatch(bucket: number, batch: Pending<I, R>[]): void {
    this.inFlight++;
    this.batches++;
    this.batchedItems += batch.length;
    this.options.onBatch?.(batch.length, bucket);
    const items = batch.map((p) => p.item);
    Promise.resolve()
      .then(() => this.executor(bucket, items))
      .then((results) => {
        if (!Array.isArray(results) || results.length !== batch.length) {
          throw new Error(
            `batch executor returned ${Array.isArray(results) ? results.length : "no"} results for ${batch.length} items`,
          );
        }
        batch.forEach((pending, i) => {
          const request = pending.request;
          if (request.settled) return;
          request.results[pending.index] = results[i] as R;
          request.remaining--;
          if (request.remaining === 0) this.settle(request, request.results);
        });
      })
      .catch((error: unknown) => {
        for (const pending of batch) {
          if (pending.request.settled) continue;
          // One failed part fails the whole request; its other parts need not run.
          this.removeQueued(this.pendingOf(pending.request));
          this.settle(pending.request, undefined, error);
        }
      })
      .finally(() => {
        this.inFlight--;
        this.pump();
        this.checkDrained();
      });
  }

  private pendingOf(request: RequestState<R>): Pending<I, R>[] {
    const found: Pending<I, R>[] = [];
    for (const queue of this.queues.values()) {
      for (const p of queue) if (p.request === request) found.push(p);
    }
    return found;
  }

  private checkDrained(): void {
    if (this.closing && this.queued === 0 && this.inFlight === 0) {
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
      this.drained?.();
    }
  }
}
