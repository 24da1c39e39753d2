/**
 * The gateway's own dynamic batcher: requests of the same sequence bucket wait briefly in a per-bucket queue
 * and run together as one [batch, bucket] tensor.
 *
 * A bucket is flushed when it holds maxBatchSize items or when its oldest item has waited maxQueueDelayMs,
 * whichever comes first. At most `concurrency` batches run at once (one per ONNX Runtime session for the
 * embedded backend); while they run, new items keep queueing, so batches grow with load on their own. The
 * total number of waiting items is bounded: past maxQueueSize, submit() fails fast with
 * BackendOverloadedError instead of letting latency grow without limit.
 *
 * Work nobody will read is never run: a caller whose signal fires (client gone, budget spent) takes its queued
 * items out at once, and an item whose deadline has passed when its batch forms is dropped with
 * DeadlineExceededError instead of being computed; a batch left with no live item is not run at all.
 */
import { performance } from "node:perf_hooks";
import { BackendOverloadedError, type BackendStats, BackendUnavailableError } from "../contracts";
import { DeadlineExceededError } from "../limits/deadline-exceeded";
import { type BatcherOptions, validateBatcherOptions } from "./batcher-options";

export type { BatcherOptions } from "./batcher-options";

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
  /** On the batcher's clock; undefined = no deadline. */
  deadline: number | undefined;
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
  private readonly now: () => number;

  constructor(
    private readonly executor: BatchExecutor<I, R>,
    private readonly options: BatcherOptions,
  ) {
    validateBatcherOptions(options);
    this.now = options.now ?? (() => performance.now());
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
   * `deadline` is on the batcher's clock: past it, items still queued are dropped, not run.
   */
  submit(entries: readonly BatchEntry<I>[], signal?: AbortSignal, deadline?: number): Promise<R[]> {
    if (this.closing) {
      return Promise.reject(new BackendUnavailableError("inference backend is shutting down", "not_ready"));
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (deadline !== undefined && deadline <= this.now()) {
      return Promise.reject(new DeadlineExceededError("backend_queue"));
    }
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
        const removed = this.removeQueued(pendings);
        let reason: unknown = signal?.reason;
        if (reason instanceof DeadlineExceededError) {
          reason = new DeadlineExceededError(removed === pendings.length ? "backend_queue" : "running");
        }
        this.settle(request, undefined, reason);
      };
      const request: RequestState<R> = {
        results: new Array<R>(entries.length),
        remaining: entries.length,
        settled: false,
        deadline,
        resolve,
        reject,
        cleanup: () => signal?.removeEventListener("abort", onAbort),
      };
      const now = this.now();
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

  /** Takes these items out of the queues; returns how many were still queued. Pumps unless told not to. */
  private removeQueued(pendings: readonly Pending<I, R>[], pump = true): number {
    const doomed = new Set(pendings);
    let removed = 0;
    for (const [bucket, queue] of this.queues) {
      const kept = queue.filter((p) => !doomed.has(p));
      removed += queue.length - kept.length;
      if (kept.length === 0) this.queues.delete(bucket);
      else this.queues.set(bucket, kept);
    }
    this.queued -= removed;
    if (pump) this.pump();
    this.checkDrained();
    return removed;
  }

  /**
   * The items of a forming batch that someone still waits for. A request whose deadline has passed fails with
   * DeadlineExceededError and all its parts leave, so no part of it reaches the model.
   */
  private live(batch: Pending<I, R>[], now: number): Pending<I, R>[] {
    const kept: Pending<I, R>[] = [];
    for (const pending of batch) {
      const request = pending.request;
      if (!request.settled && request.deadline !== undefined && request.deadline <= now) {
        this.settle(request, undefined, new DeadlineExceededError("backend_queue"));
        // No pump here: this runs inside pump(), which goes on dispatching.
        this.removeQueued(this.pendingOf(request), false);
      }
      if (!request.settled) kept.push(pending);
    }
    return kept;
  }

  /** Dispatches every bucket that is due while slots are free, then arms a timer for the next deadline. */
  private pump(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const { maxBatchSize, maxQueueDelayMs, concurrency } = this.options;
    while (this.inFlight < concurrency) {
      const now = this.now();
      let due: { bucket: number; queue: Pending<I, R>[]; oldest: number } | undefined;
      for (const [bucket, queue] of this.queues) {
        const oldest = (queue[0] as Pending<I, R>).enqueuedAt;
        const isDue = this.closing || queue.length >= maxBatchSize || now - oldest >= maxQueueDelayMs;
        // Among due buckets the one waiting longest goes first, so a busy bucket cannot starve a quiet one.
        if (isDue && (due === undefined || oldest < due.oldest)) due = { bucket, queue, oldest };
      }
      if (due === undefined) break;
      const taken = due.queue.splice(0, maxBatchSize);
      if (due.queue.length === 0) this.queues.delete(due.bucket);
      this.queued -= taken.length;
      const batch = this.live(taken, now);
      if (batch.length === 0) continue;
      for (const pending of batch) this.options.onSojourn?.(now - pending.enqueuedAt);
      this.dispatch(due.bucket, batch);
    }
    if (this.inFlight < concurrency && this.queues.size > 0) {
      let next = Number.POSITIVE_INFINITY;
      for (const queue of this.queues.values()) {
        next = Math.min(next, (queue[0] as Pending<I, R>).enqueuedAt + maxQueueDelayMs);
      }
      const wait = Math.max(1, Math.ceil(next - this.now()));
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
